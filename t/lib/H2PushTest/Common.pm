package H2PushTest::Common;
# What every part of the test library shares: where things are (vhosts,
# ports, URLs, htdocs, the module under test, apxs's module directory),
# running a command, files, and reading Link header values.
use strict;
use warnings;

use Exporter 'import';
use Apache::Test ();
use File::Spec ();
use File::Temp ();

our @EXPORT_OK = qw(vars vhost_port is_tls scheme_of authority url
                    htdocs_file file_content file_put sha256_file run_cmd
                    apxs_q module_dir module_so h2push_so_exists
                    split_link_values link_targets values_state
                    $NGHTTP $CURL $PYTHON $TIMEOUT);

our $NGHTTP  = 'nghttp';
our $CURL    = 'curl';
our $PYTHON  = '/usr/bin/python3';
our $TIMEOUT = 20;   # seconds, per client run

sub vars { Apache::Test::vars(@_) }

# ---------------------------------------------------------------------------
# Vhosts, ports, URLs

# Port of a vhost: 'main' (the main server, HTTP/1.1) or a <VirtualHost
# NAME> of t/conf/*.conf.in (Apache::Test gives each its own port).
sub vhost_port {
    my $vhost = shift || 'main';
    return vars('port') if $vhost eq 'main';
    my $p = vars("${vhost}_port");
    die "no port for vhost '$vhost'\n" unless $p;
    return $p;
}

# The TLS vhosts (h2 over TLS + http/1.1); every other vhost is cleartext.
my %TLS_VHOST = map { ($_ => 1) } qw(h2tls h2browser h2victimtls h2tenanttls);
sub is_tls { $TLS_VHOST{ $_[0] // '' } ? 1 : 0 }

sub scheme_of { is_tls($_[0]) ? 'https' : 'http' }

# Authority as the clients send it (also what same-origin links must use).
sub authority { '127.0.0.1:' . vhost_port($_[0]) }

sub url {
    my($vhost, $path) = @_;
    return scheme_of($vhost) . '://' . authority($vhost) . $path;
}

sub htdocs_file { File::Spec->catfile(vars('documentroot'), split m{/}, $_[0]) }

# ---------------------------------------------------------------------------
# Files and commands

sub file_content {
    my $f = shift;
    open my $fh, '<:raw', $f or return undef;
    local $/;
    my $c = <$fh>;
    return $c;
}

sub file_put {
    my($f, $c) = @_;
    open my $fh, '>', $f or die "$f: $!";
    print $fh $c;
    close $fh;
}

sub sha256_file {
    require Digest::SHA;
    my $c = file_content(shift);
    return defined $c ? Digest::SHA::sha256_hex($c) : undef;
}

# Run a command without a shell; returns (exit code, stdout, stderr).
sub run_cmd {
    my(@cmd) = @_;
    my $out = File::Temp->new;
    my $err = File::Temp->new;
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if (!$pid) {
        open STDIN,  '<', '/dev/null';
        open STDOUT, '>&', $out or die;
        open STDERR, '>&', $err or die;
        exec { $cmd[0] } @cmd or do { print STDERR "exec $cmd[0]: $!\n"; CORE::exit(127) };
    }
    waitpid $pid, 0;
    my $rc = $? == -1 ? 127 : ($? & 127) ? 128 + ($? & 127) : $? >> 8;
    return ($rc, file_content("$out") // '', file_content("$err") // '');
}

# ---------------------------------------------------------------------------
# The module under test and the modules of the installed httpd

# `apxs -q NAME` (APXS from the environment, as t/env.sh sets it).
my %APXS_Q;
sub apxs_q {
    my $name = shift;
    return $APXS_Q{$name} if exists $APXS_Q{$name};
    my($rc, $out) = run_cmd($ENV{APXS} || 'apxs', '-q', $name);
    chomp $out;
    die "apxs -q $name failed (apt-get install apache2-dev)\n" if $rc || $out eq '';
    return $APXS_Q{$name} = $out;
}

# Where httpd's modules are (mod_http2.so, mod_socache_redis.so...).
sub module_dir { apxs_q('LIBEXECDIR') }

# The module under test: an ASan build when t/asan.sh runs the suite.
sub module_so {
    $ENV{H2PUSH_SO} || File::Spec->catfile(vars('top_dir'), '.libs', 'mod_h2push.so');
}

sub h2push_so_exists { -e module_so() }

# ---------------------------------------------------------------------------
# Link header values

# Split one Link field value into link-values: commas outside <...> and
# quoted strings separate them.
sub split_link_values {
    my $v = shift // '';
    my @out;
    my($cur, $inq, $ina, $esc) = (q{}, 0, 0, 0);
    for my $ch (split //, $v) {
        if ($inq) {
            if ($esc) { $esc = 0 }
            elsif ($ch eq '\\') { $esc = 1 }
            elsif ($ch eq '"') { $inq = 0 }
        }
        elsif ($ina) { $ina = 0 if $ch eq '>' }
        elsif ($ch eq '"') { $inq = 1 }
        elsif ($ch eq '<') { $ina = 1 }
        elsif ($ch eq ',') { push @out, $cur; $cur = ''; next }
        $cur .= $ch;
    }
    push @out, $cur;
    s/^\s+|\s+$//g for @out;
    return grep { length } @out;
}

# The targets (what is between < and >) of link-values, in order ("?value"
# for one that is none).
sub link_targets { return map { /^\s*<([^>]*)>/ ? $1 : "?$_" } @_ }

# How the link-values @$values list <$target>: 'plain' (a rel=preload
# link without nopush), 'nopush', 'other' (no rel=preload), or '' when
# absent.  Several link-values for one target: joined with ','.
sub values_state {
    my($values, $target) = @_;
    my @st;
    for my $l (grep { /^<\Q$target\E>/ } @$values) {
        my %p;
        for my $param (split /\s*;\s*/, $l) {
            my($k, $v) = split /\s*=\s*/, $param, 2;
            $p{lc $k} = defined $v ? $v : '';
        }
        my $rel = lc($p{rel} // '');
        $rel =~ s/^"|"$//g;
        if (!grep { $_ eq 'preload' } split ' ', $rel) { push @st, 'other' }
        elsif (exists $p{nopush})                      { push @st, 'nopush' }
        else                                           { push @st, 'plain' }
    }
    return join ',', @st;
}

1;
