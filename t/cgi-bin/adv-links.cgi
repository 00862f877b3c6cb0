#!/usr/bin/perl
# t/40_adversarial.t: Link headers that depend on the request's origin,
# and header lines at httpd's limit, from a CGI.  The case is the
# PATH_INFO; the body is "adv-links <case>\n", every byte 0..255, "\n".
use strict;
use warnings;

my $case   = $ENV{PATH_INFO} // '';
$case =~ s{^/}{};
my $scheme = ($ENV{HTTPS} // '') eq 'on' ? 'https' : 'http';
my $other  = $scheme eq 'https' ? 'http' : 'https';
my $host   = $ENV{HTTP_HOST} // "127.0.0.1:$ENV{SERVER_PORT}";
my($port)  = $host =~ /:(\d+)$/;
$port //= $ENV{SERVER_PORT};
my $ok     = '</adv/ok.css>; rel=preload';
my @links;

if ($case eq 'origin') {
    @links = (
        "<$scheme://[::1]:$port/adv/ok.css>; rel=preload",
        "<$scheme://[::1>; rel=preload",
        "<$scheme://127.0.0.1:$port\@other.example/x.js>; rel=preload",
        "<$scheme://other.example\@127.0.0.1:$port/adv/ui.css>; rel=preload",
        "<$other://127.0.0.1:$port/adv/scheme.css>; rel=preload",
        "<$scheme://127.0.0.1:99999/adv/port.css>; rel=preload",
        "<$scheme://127.0.0.1%3a$port/adv/pct.css>; rel=preload",
        "<$scheme://$host/adv/abs.css>; rel=preload",
        "<\U$scheme\E://$host/adv/ok.css>; rel=preload",
    );
}
elsif ($case eq 'len-max' || $case eq 'len-over') {
    # one Link line of 8189 bytes (httpd's limit for a CGI header line,
    # LF not counted) or one more
    my $len = $case eq 'len-max' ? 8189 : 8190;
    my $dir = $case eq 'len-max' ? 'cnx' : 'cover';
    my $line = 'Link: ';
    my $i = 0;
    while (length($line) + 40 + length($ok) + 8 < $len) {
        $line .= sprintf '</adv/%s/%03d.css>; rel=preload, ', $dir, ++$i;
    }
    $line .= $ok;
    $line .= '; p=' . ('x' x ($len - length($line) - 4));
    print "X-Line-Length: ", length($line), "\n";
    $line =~ s/^Link: //;
    @links = ($line);
}

binmode STDOUT;
print "Content-Type: text/html\n";
print "Link: $_\n" for @links;
print "\n", "adv-links $case\n", join('', map { chr } 0 .. 255), "\n";
