package H2PushChromium;
# Helpers for the browser test t/20_chromium.t: headless Debian Chromium
# loading pages of <VirtualHost h2browser> through the latency relay
# t/relay.py.  See shared notes "chromium-early-hints" for why each flag is
# there.
#
#   chromium_bin()                      /usr/bin/chromium (or $H2PUSH_CHROMIUM)
#   spki_pin($cert_pem_file)            base64 sha256 of the SubjectPublicKeyInfo
#   H2PushChromium::Relay->start(%o)    t/relay.py as a child; ->port, ->stop
#   dump_dom(url => ..., pin => ...)    run Chromium --dump-dom
#   page_result($dom)                   the JSON the page's load handler wrote
#   eh_log($text)                       parse lines of logs/eh_log
#   nghttp_blocks(port => ..., path => ...)  response header blocks (1xx too)
#                                       over TLS h2 without push (like Chromium)
# Nothing here dies on a failed run: results say what happened, the test
# asserts.
use strict;
use warnings;

use Exporter 'import';
use File::Spec ();
use File::Temp ();
use IO::Handle ();
use IPC::Open2 ();
use JSON::PP ();
use MIME::Base64 ();
use POSIX ();
use Digest::SHA ();
use Time::HiRes ();
use H2PushTest ();

our @EXPORT_OK = qw(chromium_bin spki_pin dump_dom page_result eh_log
                    nghttp_blocks);
our %EXPORT_TAGS = (all => \@EXPORT_OK);

my $PYTHON = '/usr/bin/python3';

sub chromium_bin { $ENV{H2PUSH_CHROMIUM} || '/usr/bin/chromium' }

# Run a command without a shell, stdin /dev/null; (rc, stdout, stderr).
sub run_cmd { H2PushTest::run_cmd(@_) }

# Chromium's --ignore-certificate-errors-spki-list value: base64 of the
# sha256 of the DER SubjectPublicKeyInfo (the body of the PEM "PUBLIC KEY"
# block openssl prints).  undef when the certificate cannot be read.
sub spki_pin {
    my $cert = shift;
    return undef unless -r $cert;
    my($rc, $out) = run_cmd('openssl', 'x509', '-in', $cert, '-pubkey', '-noout');
    return undef unless $rc == 0
        && $out =~ /-----BEGIN PUBLIC KEY-----\s*(.*?)-----END PUBLIC KEY-----/s;
    my $der = MIME::Base64::decode_base64($1);
    return MIME::Base64::encode_base64(Digest::SHA::sha256($der), '');
}

# ---------------------------------------------------------------------------
# Headless Chromium: load $o{url}, wait for the load event (--dump-dom does),
# return { rc, dom, err, secs, cmd }.  A fresh profile every run (the SPKI
# pin only counts with --user-data-dir; a fresh one also means a cold cache).
sub dump_dom {
    my %o = @_;
    my $profile = File::Temp->newdir('h2push-chromium-XXXXXX', TMPDIR => 1);
    my @cmd = ('timeout', '-k', '5', $o{timeout} || 60, chromium_bin(),
               '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
               '--no-first-run', '--disable-background-networking',
               '--disable-component-update', '--disable-sync',
               "--user-data-dir=$profile",
               "--ignore-certificate-errors-spki-list=$o{pin}",
               '--dump-dom', $o{url});
    my $t0 = Time::HiRes::time();
    my($rc, $out, $err) = run_cmd(@cmd);
    return { rc => $rc, dom => $out, err => $err, cmd => join(' ', @cmd),
             secs => Time::HiRes::time() - $t0 };
}

# The JSON in <pre id="result"> of a dumped DOM (the page's load handler
# wrote it); undef when missing or not JSON.
sub page_result {
    my $dom = shift // '';
    return undef unless $dom =~ m{<pre id="result">(.*?)</pre>}s;
    my $t = $1;
    $t =~ s/&lt;/</g;
    $t =~ s/&gt;/>/g;
    $t =~ s/&quot;/"/g;
    $t =~ s/&nbsp;/\x{a0}/g;
    $t =~ s/&amp;/&/g;
    my $j = eval { JSON::PP->new->decode($t) };
    return ref $j eq 'HASH' ? $j : undef;
}

# Lines of logs/eh_log (LogFormat "ehtime" in t/conf/extra.conf.in):
#   %{usec}t %D %>s %{H2_STREAM_ID}e "%r"
# -> [ { start => us, dur => us, end => us, status, stream, method, path
#        (without query), uri, line } ... ]
sub eh_log {
    my $text = shift // '';
    my @e;
    for my $line (split /\n/, $text) {
        my($start, $dur, $status, $stream, $method, $uri) =
            $line =~ /^(\d+) (\d+) (\d+) (\S+) "(\S+) (\S+)[^"]*"/ or next;
        (my $path = $uri) =~ s/\?.*//;
        push @e, { start => $start, dur => $dur, end => $start + $dur,
                   status => $status, stream => $stream, method => $method,
                   uri => $uri, path => $path, line => $line };
    }
    return \@e;
}

# One GET over TLS h2 with nghttp --no-push (SETTINGS_ENABLE_PUSH=0, as
# Chromium sends): the response header blocks of the stream, 1xx included,
# in order: [ { status, headers => [[name, value]...] } ... ].  Also
# returns the raw output for diagnostics.
sub nghttp_blocks {
    my %o = @_;
    require H2PushTest;
    my @cmd = ('timeout', 30, 'nghttp', '-nv', '--no-push', '--timeout=20',
               "https://127.0.0.1:$o{port}$o{path}");
    my($rc, $out, $err) = run_cmd(@cmd);
    my $log = H2PushTest::Log->parse($out);
    my $sid = $log->sid_of($o{path});
    my @blocks;
    if (defined $sid) {
        for my $b (@{ $log->{streams}{$sid}{blocks} || [] }) {
            my($st) = map { $_->[1] } grep { $_->[0] eq ':status' } @$b;
            push @blocks, { status => $st, headers => $b };
        }
    }
    return (\@blocks, "cmd: @cmd\nrc: $rc\n$out$err");
}

# ===========================================================================
package H2PushChromium::Relay;
# t/relay.py as a child process: listens on an ephemeral port of 127.0.0.1,
# prints "PORT n" when ready (read here: no sleep needed), exits when we
# close its stdin (or after its own --lifetime).
use strict;
use warnings;

sub start {
    my($class, %o) = @_;
    my $script = File::Spec->catfile($o{t_dir}, 'relay.py');
    my @cmd = ($PYTHON, $script, '--target-port', $o{target_port},
               '--delay-ms', $o{delay_ms} // 15,
               '--lifetime', $o{lifetime} || 120);
    my($out, $in);
    my $pid = eval { IPC::Open2::open2($out, $in, @cmd) };
    return { error => "cannot start @cmd: $@" } unless $pid;
    my $line;
    my $ok = eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm 10;
        $line = <$out>;
        alarm 0;
        1;
    };
    alarm 0;
    my $self = bless { pid => $pid, in => $in, out => $out, cmd => "@cmd" }, $class;
    if (!$ok || !defined $line || $line !~ /^PORT (\d+)$/) {
        $self->stop;
        return { error => "relay did not report its port: "
                          . ($ok ? ($line // 'EOF') : 'timeout') };
    }
    $self->{port} = $1;
    return $self;
}

sub port { $_[0]->{port} }

sub stop {
    my $self = shift;
    return unless $self->{pid};
    close $self->{in} if $self->{in};
    my $deadline = Time::HiRes::time() + 5;
    while (waitpid($self->{pid}, POSIX::WNOHANG()) == 0) {
        if (Time::HiRes::time() > $deadline) {
            kill 'KILL', $self->{pid};
            waitpid $self->{pid}, 0;
            last;
        }
        Time::HiRes::sleep(0.02);
    }
    close $self->{out} if $self->{out};
    delete $self->{pid};
}

sub DESTROY { $_[0]->stop }

1;
