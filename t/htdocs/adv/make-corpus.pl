#!/usr/bin/perl
# Regenerates the mod_asis corpus of t/40_adversarial.t in this directory:
#   perl t/htdocs/adv/make-corpus.pl
# Each <case>.asis is a status line, Content-Type, the case's Link header
# lines (exact bytes, LF line ends) and a blank line, then the body: a
# title line and every byte value 0..255 (the test compares the body it
# receives with the bytes after the first blank line of the file).  The
# expectations (promised paths, skip reasons) live in t/40_adversarial.t.
use strict;
use warnings;
use FindBin;

my $dir = $FindBin::Bin;
my $ok  = '</adv/ok.css>; rel=preload';

# httpd's header-line limit for mod_asis and CGI (ap_scan_script_header_err,
# MAX_STRING_LEN 8192): a line of up to 8189 bytes before its LF is read
# whole; 8190 makes the LF leak into the body; 8191 and more: "malformed
# header" and the rest of the headers are dropped.
my $LINE_MAX = 8189;

sub link_line_of_len {
    my($len, $dir, $last) = @_;
    my @v;
    my $line = 'Link: ';
    my $i = 0;
    while (1) {
        my $v = sprintf '</adv/%s/%03d.css>; rel=preload', $dir, ++$i;
        last if length($line) + length($v) + 2 + length($last) + 2 + 8 > $len;
        $line .= "$v, ";
    }
    $line .= $last;
    # pad the last link-value with an extension parameter to the length
    my $pad = $len - length($line) - length('; p=');
    die "cannot pad to $len" if $pad < 1;
    $line .= '; p=' . ('x' x $pad);
    die "length " . length($line) . " != $len" unless length($line) == $len;
    return ($line, $i - 1);
}

my %case = (
    # control characters: not allowed in a target, a quoted-string or
    # between params: the link-value is malformed, parsing goes on
    'ctl-vt'  => ["Link: </adv/a\x0bb.css>; rel=preload, $ok"],
    'ctl-ff'  => ["Link: </adv/ff.css>; rel=preload; title=\"x\x0cy\", $ok"],
    'ctl-del' => ["Link: </adv/del.css>;\x7frel=preload, $ok"],
    'ctl-tab' => ["Link: </adv/a\tb.css>; rel=preload, $ok"],
    'ctl-obs' => ["Link: </adv/\xff\xfe.css>; rel=preload, $ok"],
    # CR LF as percent-encoding: a path, looked up (and not found)
    'pct-crlf' => ["Link: </adv/ok.css%0d%0aX-Injected:%20yes>; rel=preload, "
                   . "</adv/ok.css%00.txt>; rel=preload, $ok"],
    # a NUL: httpd's header reader ends the line there
    'nul'     => ["Link: </adv/a\x00b.css>; rel=preload, </adv/nul-lost.css>; rel=preload",
                  "X-After-Nul: yes", "Link: $ok"],
    # unterminated "<", unterminated quotes
    'angle'   => ["Link: </adv/ua1.css; rel=preload, $ok",
                  "Link: </adv/ua2.css;rel=preload,</adv/q2.css>;rel=preload",
                  "Link: </adv/q3.css>; rel=preload, </adv/ua3.css"],
    'quote'   => ["Link: </adv/uq1.css>; rel=preload; title=\"abc, </adv/uq2.css>; rel=preload",
                  "Link: </adv/uq3.css>; rel=\"preload",
                  "Link: $ok"],
    # escaped quotes inside a quoted-string (RFC 7230 quoted-pair): the
    # comma and the <...> inside are text, not a second link-value; in a
    # preload link (rewritten by the module) and in another link (passed on)
    'nested'  => ["Link: </adv/ok.css>; rel=preload; title=\"a\\\", </adv/nq-gone1.css>; rel=preload, \\\"b\""],
    'nested-other' => ["Link: </adv/q2.css>; rel=stylesheet; title=\"c\\\", </adv/nq-gone2.css>; rel=preload, \\\"d\"",
                       "Link: $ok"],
    # withheld links (missing files) whose params precede the "; nopush"
    # the module appends: a token with "%", a quoted-pair
    'nopush-pct' => ["Link: </adv/pp-gone1.css>; rel=preload; v=%41", "Link: $ok"],
    'nopush-esc' => ["Link: </adv/pp-gone2.css>; rel=preload; title=\"a\\\"b\"", "Link: $ok"],
    # a valid non-preload link-value (passed on as it is) before a preload
    'hide'    => ["Link: </adv/q2.css>; rel=stylesheet; v=%41", "Link: $ok"],
    # rel: 1000 tokens, one of them preload; 800 near misses (1000 would
    # not fit in one header line)
    'rel1000' => ['Link: </adv/ok.css>; rel="' . join(' ', map({ "t$_" } 1 .. 499), 'preload',
                                                  map({ "t$_" } 501 .. 1000)) . '"',
                  'Link: </adv/rel-miss.css>; rel="' . join(' ', map({ ("preloadx", "xpreload", "pre-load", "preload-")[$_ % 4] } 1 .. 800)) . '"'],
    # a second rel is ignored (RFC 8288 3.3: occurrences after the first)
    'duprel'  => ["Link: </adv/dr-gone1.css>; rel=stylesheet; rel=preload, $ok",
                  "Link: </adv/dr-gone2.css>; rel; REL=preload"],
    # traversal
    'trav'    => ["Link: </%2e%2e/%2e%2e/adv/trav.css>; rel=preload, $ok"],
    'trav-enc' => ["Link: </..%2f..%2fetc/passwd>; rel=preload, "
                   . "</%2e%2e%2f%2e%2e%2fetc%2fpasswd>; rel=preload, "
                   . "</adv/../../../../etc/passwd>; rel=preload, "
                   . "</adv/..%5c..%5cetc%5cpasswd>; rel=preload, $ok"],
    'backslash' => ["Link: </adv\\x.css>; rel=preload, </adv\\..\\..\\etc\\passwd>; rel=preload, $ok"],
    # other origins
    'origin'  => ["Link: <//evil.example/x.js>; rel=preload, <https://other.example/x.js>; rel=preload, $ok",
                  "Link: <javascript:alert(1)>; rel=preload, <JavaScript:alert(1)>; rel=preload, "
                  . "<data:text/css,body{}>; rel=preload, <///adv/ok.css>; rel=preload"],
    # the page itself; a pushed resource that has Link headers of its own
    'self'    => ["Link: </adv/self.asis>; rel=preload"],
    'chain'   => ["Link: </adv/chain-child.asis>; rel=preload"],
    'chain-child' => ["Link: </adv/chain-grandchild.css>; rel=preload"],
    # a redirect, a directory without index, a directory without its slash
    'redirect' => ["Link: </adv/moved.css>; rel=preload, </adv/dir/>; rel=preload, </adv/dir>; rel=preload, $ok"],
    # a slow CGI, huge sparse files (created by the test)
    'slow'    => ["Link: </cgi-bin/adv-slow.cgi>; rel=preload, $ok"],
    'huge'    => ["Link: </adv/huge-2g.bin>; rel=preload, </adv/huge-4g1.bin>; rel=preload, $ok"],
);

# one Link header line of exactly $LINE_MAX bytes: hundreds of link-values
# (missing files) and the positive control last; one byte over the limit
{
    my($line) = link_line_of_len($LINE_MAX, 'nx', $ok);
    $case{'len-max'} = [$line];
    my($over) = link_line_of_len($LINE_MAX + 2, 'over', $ok);
    $case{'len-over'} = [$over];
}
die "a header line over $LINE_MAX bytes" if grep { $_ ne 'len-over' && grep { length > $LINE_MAX } @{ $case{$_} } } keys %case;
# 300 Link header lines: 299 missing files, the positive control last
$case{'lines300'} = [(map { sprintf 'Link: </adv/nx/l%03d.css>; rel=preload', $_ } 1 .. 299),
                     "Link: $ok"];

for my $name (sort keys %case) {
    my $f = "$dir/$name.asis";
    open my $fh, '>:raw', $f or die "$f: $!";
    print $fh "Status: 200 OK\n", "Content-Type: text/html\n";
    for my $l (@{ $case{$name} }) {
        die "$name: a header line with CR or LF" if $l =~ /[\r\n]/;
        print $fh "$l\n";
    }
    print $fh "\n", "<!doctype html><title>adv/$name</title>\n",
              join('', map { chr } 0 .. 255), "\n";
    close $fh;
}
