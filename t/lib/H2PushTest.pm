package H2PushTest;
# Helpers for the mod_h2push Apache::Test suite:
#   nghttp()      run `nghttp -nv` and parse its frame log (H2PushTest::Log)
#   h2client()    run t/h2client.py (python3-h2) for pushed bodies (JSON)
#   http()        a plain request with curl (HTTP/1.1 or h2 without push)
#   status_json() / status_delta()   the h2push-status counters
#   log_mark() / log_since() / wait_log()   lines appended to t/logs/*
#   configtest()  `apache2 -t` on a small standalone configuration
# Nothing here dies on a failed request: the result says what happened and
# the test's assertions fail.
use strict;
use warnings;

use Exporter 'import';
use Apache::Test ();
use File::Temp ();
use File::Spec ();
use JSON::PP ();
use MIME::Base64 ();
use Time::HiRes ();

our @EXPORT_OK = qw(url nghttp h2client http status_json status_delta
                    log_mark log_since wait_log configtest file_content
                    split_link_values htdocs_file sha256_file vhost_port
                    h2push_so_exists promised_ok link_state);
our %EXPORT_TAGS = (all => \@EXPORT_OK);

my $NGHTTP  = 'nghttp';
my $CURL    = 'curl';
my $PYTHON  = '/usr/bin/python3';
my $TIMEOUT = 20;   # seconds, per client run

sub vars { Apache::Test::vars(@_) }

# Port of a vhost: 'main' (the main server, HTTP/1.1), 'h2tls', 'h2c',
# 'h2inherit'.
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

sub file_content {
    my $f = shift;
    open my $fh, '<:raw', $f or return undef;
    local $/;
    my $c = <$fh>;
    return $c;
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
# nghttp
#
#   nghttp(vhost => 'h2tls', paths => ['/a', '/b'], no_push => 1,
#          method => 'HEAD', data => "body", headers => ['if-none-match: x'])
# All paths go over one connection (and nghttp drops duplicate URLs: add a
# query string to request the same page twice).
sub nghttp {
    my %o = @_;
    my $vhost = $o{vhost} || 'h2tls';
    my @paths = ref $o{paths} ? @{ $o{paths} } : ($o{paths} // $o{path});
    my @cmd = ($NGHTTP, '-nv', '--timeout=' . ($o{timeout} || $TIMEOUT));
    push @cmd, '--no-push' if $o{no_push};
    push @cmd, '-H', ":method: $o{method}" if $o{method};
    push @cmd, '-H', $_ for @{ $o{headers} || [] };
    my $tmp;
    if (defined $o{data}) {
        $tmp = File::Temp->new;
        print $tmp $o{data};
        close $tmp;
        push @cmd, '-d', "$tmp";
    }
    push @cmd, map { url($vhost, $_) } @paths;
    my($rc, $out, $err) = run_cmd('timeout', $TIMEOUT + 10, @cmd);
    my $log = H2PushTest::Log->parse($out);
    $log->{rc}    = $rc;
    $log->{err}   = $err;
    $log->{cmd}   = join ' ', @cmd;
    $log->{paths} = \@paths;
    return $log;
}

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

# ---------------------------------------------------------------------------
# python3-h2 client: returns the decoded JSON, or { error => ... }.
#   h2client(vhost => 'h2tls', paths => [...], headers => [[k, v]...])
sub h2client {
    my %o = @_;
    my $vhost = $o{vhost} || 'h2tls';
    my @paths = ref $o{paths} ? @{ $o{paths} } : ($o{paths} // $o{path});
    my @cmd = ($PYTHON, File::Spec->catfile(vars('t_dir'), 'h2client.py'),
               '--host', '127.0.0.1', '--port', vhost_port($vhost),
               '--timeout', $TIMEOUT);
    push @cmd, '--tls' if is_tls($vhost);
    push @cmd, '--no-push' if $o{no_push};
    push @cmd, '--header', "$_->[0]: $_->[1]" for @{ $o{headers} || [] };
    push @cmd, @paths;
    my($rc, $out, $err) = run_cmd('timeout', $TIMEOUT + 10, @cmd);
    my $res = eval { JSON::PP->new->decode($out) };
    return { error => "h2client rc=$rc: " . ($@ || '') . $err, raw => $out }
        unless $res && ref $res eq 'HASH';
    $res->{rc} = $rc;
    $res->{stderr} = $err;
    return $res;
}

# ---------------------------------------------------------------------------
# curl: http(vhost => 'main', path => '/x', http => '1.1' | '2',
#            method => 'HEAD', headers => [...], user => 'u:p')
# Returns { rc, status, headers => [[lcname, value]...], body, err }.
sub http {
    my %o = @_;
    my $vhost = $o{vhost} || 'main';
    my $hdr = File::Temp->new;
    my $body = File::Temp->new;
    my @cmd = ($CURL, '-s', '-S', '-k', '--max-time', $TIMEOUT,
               '-D', "$hdr", '-o', "$body", '-w', '%{http_code}');
    my $ver = $o{http} || '1.1';
    push @cmd, $ver eq '1.1' ? '--http1.1'
             : is_tls($vhost) ? '--http2' : '--http2-prior-knowledge';
    push @cmd, '-I' if ($o{method} // '') eq 'HEAD';
    push @cmd, '-X', $o{method} if $o{method} && $o{method} ne 'HEAD';
    push @cmd, '-H', $_ for @{ $o{headers} || [] };
    push @cmd, '-u', $o{user} if $o{user};
    push @cmd, $o{port} ? "http://127.0.0.1:$o{port}$o{path}" : url($vhost, $o{path});
    my($rc, $out, $err) = run_cmd(@cmd);
    my @h;
    my $status = 0;
    # the last header block is the final response (1xx blocks come first)
    my $raw = file_content("$hdr") // '';
    for my $block (split /\r?\n\r?\n/, $raw) {
        next unless $block =~ m{^HTTP/\S+\s+(\d+)};
        $status = $1;
        @h = ();
        for my $line (split /\r?\n/, $block) {
            push @h, [lc $1, $2] if $line =~ /^([^:\s]+):\s*(.*?)\s*$/;
        }
    }
    return { rc => $rc, status => $status, code => $out, headers => \@h,
             body => file_content("$body") // '', err => $err,
             raw_headers => $raw };
}

sub header_values {
    my($res, $name) = @_;
    return map { $_->[1] } grep { $_->[0] eq lc $name } @{ $res->{headers} };
}

# ---------------------------------------------------------------------------
# Status counters, flattened: { responses, links, promised,
# 'skipped.nopush', ... }.  undef when the page could not be read.
# status_json(port => N): of a standalone server on 127.0.0.1:N (its
# /h2push-status).
sub status_json {
    my %o = @_;
    my $res = http(vhost => 'main', path => '/h2push-status?json',
                   $o{port} ? (port => $o{port}) : ());
    return undef unless $res->{status} == 200;
    my $j = eval { JSON::PP->new->decode($res->{body}) } or return undef;
    return flatten_json($j);
}

# nested groups flattened with dotted names: "skipped.diary",
# "hints.sent", "learned.refused.private"
sub flatten_json {
    my $j = shift;
    my %flat;
    my @todo = (['', $j]);
    while (my $t = shift @todo) {
        my($prefix, $h) = @$t;
        for my $k (keys %$h) {
            if (ref $h->{$k} eq 'HASH') {
                push @todo, ["$prefix$k.", $h->{$k}];
            }
            else {
                $flat{"$prefix$k"} = $h->{$k};
            }
        }
    }
    return \%flat;
}

# Counter changes between two status_json() snapshots; a missing snapshot
# gives an empty hash (so assertions fail instead of the test dying).
sub status_delta {
    my($before, $after) = @_;
    return {} unless $before && $after;
    my %d;
    $d{$_} = ($after->{$_} // 0) - ($before->{$_} // 0) for keys %$after;
    return \%d;
}

# ---------------------------------------------------------------------------
# Logs under t/logs.
sub log_path { File::Spec->catfile(vars('t_logs'), $_[0] || 'error_log') }

sub log_mark { my $f = log_path(shift); return -s $f || 0 }

sub log_since {
    my($name, $mark) = @_;
    open my $fh, '<', log_path($name) or return '';
    seek $fh, $mark, 0;
    local $/;
    return <$fh> // '';
}

# Wait (bounded) until the text appended to a log since $mark matches $re:
# access log lines are written when a stream ends, which may be after the
# client has its last frame.  Returns the appended text.
sub wait_log {
    my($name, $mark, $re, $timeout) = @_;
    my $deadline = Time::HiRes::time() + ($timeout || 10);
    my $text;
    while (1) {
        $text = log_since($name, $mark);
        return $text if $text =~ $re;
        last if Time::HiRes::time() > $deadline;
        Time::HiRes::sleep(0.05);
    }
    return $text;
}

# ---------------------------------------------------------------------------
# configtest(lines => [...], before_http2 => 1, name => 'x')
# Writes a minimal standalone configuration and runs `apache2 -t` on it.
# Returns { rc, out, file, lines_before } (lines_before: number of lines
# before the test lines, so the test line N is line lines_before + N).
# the module under test: an ASan build when t/asan.sh runs the suite
sub module_so {
    $ENV{H2PUSH_SO} || File::Spec->catfile(vars('top_dir'), '.libs', 'mod_h2push.so');
}

sub configtest {
    my %o = @_;
    my $dir = File::Spec->catdir(vars('t_logs'), 'configtest');
    mkdir $dir unless -d $dir;
    my $name = $o{name} || 'cfg';
    $name =~ s/[^\w.-]+/_/g;
    my $file = File::Spec->catfile($dir, "$name.conf");
    my $mods = '/usr/lib/apache2/modules';
    my $so = module_so();
    my @load_h2push = (qq{LoadModule h2push_module "$so"});
    my @load_http2  = (qq{LoadModule http2_module "$mods/mod_http2.so"});
    my @head = (
        "# generated by t/lib/H2PushTest.pm configtest()",
        qq{ServerRoot "$dir"},
        qq{DefaultRuntimeDir "$dir"},
        qq{PidFile "$dir/$name.pid"},
        qq{ErrorLog "$dir/$name.error_log"},
        "Listen 127.0.0.1:" . (vars('port') + 100),
        "ServerName localhost",
        qq{LoadModule mpm_event_module "$mods/mod_mpm_event.so"},
        qq{LoadModule authz_core_module "$mods/mod_authz_core.so"},
        ($o{before_http2} ? (@load_h2push, @load_http2)
                          : (@load_http2, @load_h2push)),
    );
    @head = grep { !/h2push_module/ } @head if $o{no_h2push};
    open my $fh, '>', $file or die "$file: $!";
    print $fh map { "$_\n" } @head, @{ $o{lines} || [] };
    close $fh;
    my($rc, $out, $err) = run_cmd(vars('httpd'), '-t', '-d', $dir, '-f', $file);
    return { rc => $rc, out => "$out$err", file => $file,
             lines_before => scalar(@head) };
}

sub h2push_so_exists { -e module_so() }

# ---------------------------------------------------------------------------
# Assertions shared by the tests.

# The sorted :paths promised on the stream that requested $parent_path are
# exactly @$want.
sub promised_ok {
    my($log, $parent_path, $want, $name) = @_;
    my $sid = $log->sid_of($parent_path);
    my @got = defined $sid ? $log->promised_paths($sid)
                           : ("<no stream for $parent_path>");
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    return Test::More::is_deeply(\@got, [sort @$want], $name)
        || Test::More::diag($log->summary);
}

# How the final response of stream $sid lists <$target>: 'plain' (a
# rel=preload link without nopush), 'nopush', 'other' (no rel=preload),
# or '' when absent.  Several link-values for one target: joined with ','.
sub link_state {
    my($log, $sid, $target) = @_;
    return values_state([$log->links_to($sid, $target)], $target);
}

# ===========================================================================
package H2PushTest::Log;
# Parsed `nghttp -nv` output.
#
#   {frames}   [ { index, dir => 'send'|'recv', type, length, flags,
#                  stream, promised, end_stream, status } ... ]  in order
#   {streams}  { id => { id, request => {name => value}, blocks => [
#                  [[name, value]...], ... ] (response header blocks, 1xx
#                  included), headers => final block, status, data => bytes,
#                  pushed => 0|1, parent, path, frames => [indexes] } }
#   {promises} [ { parent, promised, path, headers => {..}, index } ]
use strict;
use warnings;

sub parse {
    my($class, $text) = @_;
    my $self = bless { raw => $text, frames => [], streams => {},
                       promises => [] }, $class;
    my %pending;     # stream id => [[name, value]...] not yet in a frame
    my $cur;         # last frame (for its indented detail lines)
    my $in_send_headers;
    for my $line (split /\n/, $text) {
        if ($line =~ /^\[\s*[\d.]+\] recv \(stream_id=(\d+)\) (:?[^:\s]+): ?(.*)$/) {
            push @{ $pending{$1} }, [lc $2, $3];
            $in_send_headers = undef;
            next;
        }
        if ($line =~ /^\[\s*[\d.]+\] (send|recv) (\w+) frame <length=(\d+), flags=0x([0-9a-fA-F]+), stream_id=(\d+)>/) {
            my $f = { index => scalar @{ $self->{frames} }, dir => $1,
                      type => $2, length => $3, flags => hex($4),
                      stream => $5 };
            push @{ $self->{frames} }, $f;
            $cur = $f;
            $in_send_headers = undef;
            my $sid = $f->{stream};
            if ($sid) {
                my $s = $self->stream($sid);
                push @{ $s->{frames} }, $f->{index};
            }
            if ($f->{dir} eq 'send' && $f->{type} eq 'HEADERS') {
                $in_send_headers = $self->stream($sid);
            }
            if ($f->{dir} eq 'recv' && $f->{type} eq 'HEADERS') {
                my $block = delete $pending{$sid} || [];
                my $s = $self->stream($sid);
                push @{ $s->{blocks} }, $block;
                my($st) = map { $_->[1] } grep { $_->[0] eq ':status' } @$block;
                $f->{status} = $st;
                if (defined $st && $st !~ /^1/) {
                    $s->{headers} = $block;
                    $s->{status} = $st;
                }
                $f->{end_stream} = $f->{flags} & 0x1;
            }
            elsif ($f->{dir} eq 'recv' && $f->{type} eq 'PUSH_PROMISE') {
                my $block = delete $pending{$sid} || [];
                my %h = map { ($_->[0] => $_->[1]) } @$block;
                my $p = { parent => $sid, path => $h{':path'},
                          headers => \%h, index => $f->{index},
                          promised => undef };
                push @{ $self->{promises} }, $p;
                $f->{promise} = $p;
            }
            elsif ($f->{dir} eq 'recv' && $f->{type} eq 'DATA') {
                $self->stream($sid)->{data} += $f->{length};
                $f->{end_stream} = $f->{flags} & 0x1;
            }
            next;
        }
        next unless $cur;
        if ($line =~ /promised_stream_id=(\d+)/ && $cur->{promise}) {
            my $p = $cur->{promise};
            $p->{promised} = $cur->{promised} = $1;
            my $ps = $self->stream($1);
            $ps->{pushed} = 1;
            $ps->{parent} = $p->{parent};
            $ps->{path}   = $p->{path};
            $ps->{request} = $p->{headers};
            next;
        }
        if ($in_send_headers && $line =~ /^\s+(:?[^:\s]+): ?(.*)$/) {
            $in_send_headers->{request}{lc $1} = $2;
            $in_send_headers->{path} //= $2 if lc $1 eq ':path';
            next;
        }
    }
    return $self;
}

sub stream {
    my($self, $sid) = @_;
    return $self->{streams}{$sid} ||= { id => $sid, frames => [], blocks => [],
                                        headers => [], data => 0, pushed => 0,
                                        request => {} };
}

sub ok { $_[0]->{rc} == 0 }
sub raw { $_[0]->{raw} }

# Short text for test diagnostics.
sub summary {
    my $self = shift;
    my @l = ("cmd: $self->{cmd}", "rc: $self->{rc}");
    for my $f (@{ $self->{frames} }) {
        next if $f->{dir} eq 'send' && $f->{type} ne 'HEADERS';
        my $s = "$f->{index}: $f->{dir} $f->{type} stream=$f->{stream}";
        $s .= " status=$f->{status}" if defined $f->{status};
        $s .= " promised=$f->{promised} path=" . ($f->{promise}{path} // '?')
            if $f->{promise};
        $s .= " len=$f->{length}" if $f->{type} eq 'DATA';
        push @l, $s;
    }
    for my $sid (sort { $a <=> $b } keys %{ $self->{streams} }) {
        my $st = $self->{streams}{$sid};
        push @l, "stream $sid: " . ($st->{path} // '') . " status="
            . ($st->{status} // '-') . " links=" . join(' | ', $self->links($sid));
    }
    push @l, "stderr: $self->{err}" if $self->{err};
    return join "\n", @l;
}

# Stream id of the (first) request for $path (exact :path).
sub sid_of {
    my($self, $path) = @_;
    for my $sid (sort { $a <=> $b } keys %{ $self->{streams} }) {
        my $s = $self->{streams}{$sid};
        return $sid if !$s->{pushed} && defined $s->{path} && $s->{path} eq $path;
    }
    return undef;
}

sub requested_sids {
    my $self = shift;
    return sort { $a <=> $b } grep { $_ % 2 && defined $self->{streams}{$_}{path} }
        keys %{ $self->{streams} };
}

sub status {
    my($self, $sid) = @_;
    return undef unless defined $sid && $self->{streams}{$sid};
    return $self->{streams}{$sid}{status};
}

# Final response header values of a stream (lower-case name).
sub header {
    my($self, $sid, $name) = @_;
    return () unless defined $sid && $self->{streams}{$sid};
    return map { $_->[1] } grep { $_->[0] eq lc $name }
        @{ $self->{streams}{$sid}{headers} };
}

# The `link` header lines of the final response.
sub link_headers { my($self, $sid) = @_; return $self->header($sid, 'link') }

# Every link-value of the final response (all Link lines, comma-split).
sub links {
    my($self, $sid) = @_;
    return map { H2PushTest::split_link_values($_) } $self->link_headers($sid);
}

# The link-values whose target is exactly <$target>.
sub links_to {
    my($self, $sid, $target) = @_;
    return grep { /^<\Q$target\E>/ } $self->links($sid);
}

sub data_len {
    my($self, $sid) = @_;
    return $self->{streams}{$sid} ? $self->{streams}{$sid}{data} : 0;
}

# Promises, optionally only those on one parent stream.
sub promises {
    my($self, $parent) = @_;
    return grep { !defined $parent || $_->{parent} == $parent }
        @{ $self->{promises} };
}

# Sorted promised :paths (all, or on one parent stream).
sub promised_paths {
    my($self, $parent) = @_;
    return sort map { $_->{path} // '?' } $self->promises($parent);
}

# Pushed stream (hash) for a promised path.
sub pushed_stream {
    my($self, $path) = @_;
    for my $p (@{ $self->{promises} }) {
        next unless defined $p->{path} && $p->{path} eq $path;
        return $self->{streams}{$p->{promised}} if defined $p->{promised};
    }
    return undef;
}

# Index of the first frame matching all criteria (dir, type, stream,
# status, path for PUSH_PROMISE); undef when none.
sub frame_index {
    my($self, %c) = @_;
    FRAME: for my $f (@{ $self->{frames} }) {
        for my $k (qw(dir type stream status)) {
            next FRAME if defined $c{$k} && (!defined $f->{$k} || $f->{$k} ne $c{$k});
        }
        if (defined $c{path}) {
            next FRAME unless $f->{promise} && ($f->{promise}{path} // '') eq $c{path};
        }
        return $f->{index};
    }
    return undef;
}

sub count_frames {
    my($self, %c) = @_;
    my $n = 0;
    FRAME: for my $f (@{ $self->{frames} }) {
        for my $k (qw(dir type stream)) {
            next FRAME if defined $c{$k} && (!defined $f->{$k} || $f->{$k} ne $c{$k});
        }
        $n++;
    }
    return $n;
}

1;

# ===========================================================================
# BEGIN helpers of t/30_early_hints.t, t/31_learn.t, t/32_html.t,
# t/33_redis.t (103 Early Hints, learned hints, HTML head scanning)
package H2PushTest;

push @EXPORT_OK, qw(curl_v raw_h1 h2_blocks block_links free_port wait_port);

# curl -v: every response header block, 1xx included, as curl prints them
# ("< HTTP/1.1 103 Early Hints", "< Link: ...").
#   curl_v(vhost => 'h2eh', path => '/x', method => 'HEAD'|'POST',
#          data => 'body', headers => ['Name: v'], user => 'u:p',
#          port => N (instead of vhost), http => '1.1'|'1.0'|'2'|'upgrade',
#          interface => '127.0.0.2' (the client's source address))
# Returns { rc, err, body, status (final), blocks => [ { status, line,
# headers => [[lcname, value]...] } ... ] (in order), interim => [the 1xx
# blocks], final => the last block }.
sub curl_v {
    my %o = @_;
    my $body = File::Temp->new;
    my $data;
    my @cmd = ($CURL, '-v', '-sS', '-k', '--max-time', $TIMEOUT, '-o', "$body");
    my $ver = $o{http} // '1.1';
    # 'upgrade': h2c through an HTTP/1.1 Upgrade (curl --http2 on http://)
    my $tls = !$o{port} && is_tls($o{vhost} || 'main');
    push @cmd, $ver eq '2' ? ($tls ? '--http2' : '--http2-prior-knowledge')
             : $ver eq 'upgrade' ? '--http2'
             : $ver eq '1.0' ? '--http1.0' : '--http1.1';
    push @cmd, '-I' if ($o{method} // '') eq 'HEAD';
    push @cmd, '--interface', $o{interface} if $o{interface};
    if (defined $o{data}) {
        $data = File::Temp->new;
        print $data $o{data};
        close $data;
        push @cmd, '--data-binary', "\@$data";
    }
    push @cmd, '-X', $o{method}
        if $o{method} && $o{method} ne 'HEAD' && !defined $o{data};
    push @cmd, '-H', $_ for @{ $o{headers} || [] };
    push @cmd, '-u', $o{user} if $o{user};
    my $base = $o{port} ? "http://127.0.0.1:$o{port}"
                        : url($o{vhost} || 'main', '');
    push @cmd, "$base$o{path}";
    # barrier => PATH: then HEAD PATH on the same (HTTP/1.x keep-alive)
    # connection; httpd reads it only once the first request is done to
    # its log_transaction phase (where learning happens).  A HEAD, so that
    # the module counts nothing for it.  Its output is not parsed.
    if ($o{barrier} && $ver ne '2') {
        push @cmd, '--next', '-sS', '-k', '-I', '--max-time', $TIMEOUT,
                   '-o', '/dev/null', $ver eq '1.0' ? '--http1.0' : '--http1.1',
                   "$base$o{barrier}";
    }
    my($rc, $out, $err) = run_cmd(@cmd);
    if ($o{barrier}) {
        $err =~ s/^> HEAD \Q$o{barrier}\E .*//ms;
    }
    my(@blocks, $cur);
    for my $line (split /\r?\n/, $err) {
        next unless $line =~ /^< ?(.*)$/;
        my $l = $1;
        if ($l =~ m{^HTTP/\S+\s+(\d{3})}) {
            $cur = { status => $1, line => $l, headers => [] };
            push @blocks, $cur;
        }
        elsif ($cur && $l =~ /^([^:\s]+):\s*(.*?)\s*$/) {
            push @{ $cur->{headers} }, [lc $1, $2];
        }
    }
    my @interim = grep { $_->{status} =~ /^1/ } @blocks;
    return { rc => $rc, err => $err, cmd => join(' ', @cmd),
             body => file_content("$body") // '',
             blocks => \@blocks, interim => \@interim,
             final => $blocks[-1],
             status => $blocks[-1] ? $blocks[-1]{status} : 0 };
}

# The response header blocks of nghttp stream $sid whose :status matches
# $status (e.g. 103), each as [[lcname, value]...].
sub h2_blocks {
    my($log, $sid, $status) = @_;
    return () unless defined $sid && $log->{streams}{$sid};
    return grep {
        my $b = $_;
        grep { $_->[0] eq ':status' && $_->[1] eq $status } @$b
    } @{ $log->{streams}{$sid}{blocks} };
}

# The link-values of one header block: a curl_v() block (hash) or an
# nghttp block (array), every Link field split at its commas.
sub block_links {
    my $b = shift;
    my $h = ref $b eq 'HASH' ? $b->{headers} : $b;
    return map { split_link_values($_->[1]) } grep { $_->[0] eq 'link' } @$h;
}

# A loopback TCP port that was free a moment ago.
sub free_port {
    require IO::Socket::INET;
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp', Listen => 1, ReuseAddr => 1)
        or return undef;
    my $p = $s->sockport;
    close $s;
    return $p;
}

# Wait (bounded) until something accepts connections on 127.0.0.1:$port,
# or, with $pid, give up early when that process has exited.  1 when up.
sub wait_port {
    my($port, $timeout, $pid) = @_;
    require IO::Socket::INET;
    require POSIX;
    my $deadline = Time::HiRes::time() + ($timeout || 10);
    while (Time::HiRes::time() < $deadline) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $port, Proto => 'tcp',
                                      Timeout => 1);
        if ($s) { close $s; return 1 }
        return 0 if $pid && waitpid($pid, POSIX::WNOHANG()) == $pid;
        Time::HiRes::sleep(0.05);
    }
    return 0;
}

# A raw HTTP/1.1 GET that reads the response as it comes: when the bytes
# received so far first match $o{when}, $o{then}->() runs (once), and the
# reading goes on to the end (Connection: close; bounded by $o{timeout}).
# For "the server sent X before it produced Y": the handler waits for what
# $o{then} does.  Returns { raw, fired (1 when $o{then} ran), blocks =>
# [ { status, line, headers } ... ] in order (1xx first), final, body
# (de-chunked), err }.
sub raw_h1 {
    my %o = @_;
    require IO::Socket::INET;
    require IO::Select;
    my $port = $o{port} || vhost_port($o{vhost} || 'main');
    my $res = { raw => '', fired => 0, blocks => [], body => '', err => '' };
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp', Timeout => 5);
    unless ($s) { $res->{err} = "connect: $!"; return $res }
    my $req = "GET $o{path} HTTP/1.1\r\nHost: 127.0.0.1:$port\r\n"
            . join('', map { "$_\r\n" } @{ $o{headers} || [] })
            . "Connection: close\r\n\r\n";
    syswrite $s, $req;
    my $sel = IO::Select->new($s);
    my $deadline = Time::HiRes::time() + ($o{timeout} || $TIMEOUT);
    while (1) {
        my $left = $deadline - Time::HiRes::time();
        if ($left <= 0) { $res->{err} = 'timeout'; last }
        next unless $sel->can_read($left);
        my $n = sysread $s, my $chunk, 65536;
        last unless $n;
        $res->{raw} .= $chunk;
        if ($o{when} && !$res->{fired} && $res->{raw} =~ $o{when}) {
            $res->{fired} = 1;
            $o{then}->() if $o{then};
        }
    }
    close $s;
    # header blocks, then the body of the last one
    my $rest = $res->{raw};
    while ($rest =~ s{\A(HTTP/\S+\s+(\d{3})[^\r\n]*)\r\n(.*?)\r\n\r\n}{}s) {
        my $b = { status => $2, line => $1, headers => [] };
        for my $line (split /\r\n/, $3) {
            push @{ $b->{headers} }, [lc $1, $2] if $line =~ /^([^:\s]+):\s*(.*?)\s*$/;
        }
        push @{ $res->{blocks} }, $b;
        last unless $b->{status} =~ /^1/;
    }
    $res->{final} = $res->{blocks}[-1];
    $res->{status} = $res->{final} ? $res->{final}{status} : 0;
    $res->{interim} = [ grep { $_->{status} =~ /^1/ } @{ $res->{blocks} } ];
    my $chunked = grep { $_->[0] eq 'transfer-encoding' && $_->[1] =~ /chunked/i }
        @{ $res->{final} ? $res->{final}{headers} : [] };
    if ($chunked) {
        my $body = '';
        while ($rest =~ s/\A([0-9a-fA-F]+)[^\r\n]*\r\n//) {
            my $len = hex $1;
            last if !$len;
            $body .= substr($rest, 0, $len, '');
            $rest =~ s/\A\r\n//;
        }
        $res->{body} = $body;
    }
    else {
        $res->{body} = $rest;
    }
    return $res;
}

# END helpers of t/30_early_hints.t ... t/33_redis.t
# ===========================================================================

# ===========================================================================
# Helpers of t/40_adversarial.t

push @EXPORT_OK, qw(adv_log_escape adv_decisions adv_crash_lines adv_h2_parent);

# A string as httpd's error log writes it (ap_escape_errorlog_item):
# backslashes, control and non-ASCII bytes escaped, quotes left as they are.
sub adv_log_escape {
    my($s) = @_;
    my %named = ("\b" => '\b', "\n" => '\n', "\r" => '\r', "\t" => '\t',
                 "\x0b" => '\v', '\\' => '\\\\');
    $s =~ s{([\x00-\x1f\x7f-\xff\\])}
           {exists $named{$1} ? $named{$1} : sprintf('\x%02x', ord $1)}ge;
    return $s;
}

# The module's decision lines in a piece of error_log, in order:
# ({ source, target, path, result }), result the skip reason or
# "promised"/"hinted".
sub adv_decisions {
    my($text) = @_;
    my @d;
    for my $line (split /\n/, $text // '') {
        next unless $line =~ /h2push decision: source=(\S+) target=<(.*)> path=(\S*) result=(.*)$/;
        my($src, $t, $p, $r) = ($1, $2, $3, $4);
        $r = $r =~ /^skipped reason=(\S+)/ ? $1 : ($r =~ /^(\S+)/)[0];
        push @d, { source => $src, target => $t, path => $p, result => $r };
    }
    return @d;
}

# Lines telling of a crashed or killed child.
sub adv_crash_lines {
    my($text) = @_;
    return grep { /AH00052|exit signal|Segmentation fault|\[core:(?:crit|alert|emerg)\]|AddressSanitizer/ }
           split /\n/, $text // '';
}

# GET one page over h2 and return as soon as its own stream has ended
# (pushed streams are not waited for): { status, body, elapsed, error,
# promises => [promised paths] }.
sub adv_h2_parent {
    my %o = @_;
    my $vhost = $o{vhost} || 'h2tls';
    my $timeout = $o{timeout} || $TIMEOUT;
    my $py = <<'PY';
import base64, json, socket, ssl, sys, time
import h2.connection, h2.config, h2.events
host, port, tls, path, timeout = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4], float(sys.argv[5])
t0 = time.time()
s = socket.create_connection((host, port), timeout=timeout)
if tls:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["h2"])
    s = ctx.wrap_socket(s, server_hostname=host)
c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
c.initiate_connection()
c.send_headers(1, [(":method", "GET"), (":path", path), (":scheme", "https" if tls else "http"),
                   (":authority", "%s:%d" % (host, port))], end_stream=True)
s.sendall(c.data_to_send())
res = {"status": None, "body": b"", "error": None, "promises": []}
done = False
try:
    while not done:
        data = s.recv(65536)
        if not data:
            res["error"] = "connection closed"
            break
        for ev in c.receive_data(data):
            if isinstance(ev, h2.events.PushedStreamReceived) and ev.parent_stream_id == 1:
                res["promises"].append(dict(ev.headers).get(b":path", b"").decode())
            elif isinstance(ev, h2.events.ResponseReceived) and ev.stream_id == 1:
                res["status"] = dict(ev.headers).get(b":status", b"").decode()
            elif isinstance(ev, h2.events.DataReceived):
                c.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                if ev.stream_id == 1:
                    res["body"] += ev.data
            if isinstance(ev, h2.events.StreamEnded) and ev.stream_id == 1:
                done = True
        s.sendall(c.data_to_send())
except Exception as e:
    res["error"] = repr(e)
res["elapsed"] = time.time() - t0 if done else None
res["body"] = base64.b64encode(res["body"]).decode()
print(json.dumps(res))
PY
    my($rc, $out, $err) = run_cmd('timeout', $timeout + 5, $PYTHON, '-c', $py,
                                  '127.0.0.1', vhost_port($vhost),
                                  is_tls($vhost) ? 1 : 0, $o{path}, $timeout);
    my $res = eval { JSON::PP->new->decode($out) };
    return { error => "rc=$rc: $err" } unless $res && ref $res eq 'HASH';
    $res->{body} = MIME::Base64::decode_base64($res->{body});
    return $res;
}

# END helpers of t/40_adversarial.t
# ===========================================================================

# ===========================================================================
# BEGIN helpers of the learned-hints tests (t/31_learn.t, t/32_html.t,
# t/33_redis.t, t/34_learn_attacks.t, t/35_learn_scale.t): learned keys,
# one visit and what it was hinted, thousands of visits (t/h1burst.py),
# standalone apache2 and redis-server processes.
package H2PushTest;

push @EXPORT_OK, qw(learn_key hint_h1 hint_h2 h1burst burst_requests
                    link_targets counted learn_lines
                    file_put spawn stop_spawned apache_standalone
                    graceful_restart redis_cmd redis_dbsize);

# The key under which a page of $vhost is learned: the scheme of the
# connection, the vhost's ServerName (Apache::Test names each vhost
# "localhost:PORT"; $name for one the configuration renames, e.g.
# "victim.test"), the port (always written) and the path (+ "?query" with
# H2PushLearnQuery on).  Never the Host the client sent.
sub learn_key {
    my($vhost, $path, $name) = @_;
    return scheme_of($vhost) . '://' . ($name // 'localhost') . ':'
         . vhost_port($vhost) . $path;
}

# The targets (what is between < and >) of link-values, in order.
# the targets of link-values ("?value" for one that is none)
sub link_targets { return map { /^\s*<([^>]*)>/ ? $1 : "?$_" } @_ }

# Run $visit->() between two snapshots of the counters (status_json(%o))
# and a mark in the error log ($o{log}, default error_log): returns
# ($result of the visit, the counter changes, the error log text written
# since the mark, read after the second snapshot, i.e. after the visit's
# response was complete).  settle => qr/.../: before the second snapshot,
# wait (bounded, 3 s) for that in the error log -- for an h2 visit, which
# has no barrier request (see hint_h1): the module learns (or refuses to)
# at log_transaction, which may come after the client had the response.
sub counted {
    my($visit, %o) = @_;
    my $log = delete $o{log} || 'error_log';
    my $settle = delete $o{settle};
    my $before = status_json(%o);
    my $mark = log_mark($log);
    my $res = $visit->();
    wait_log($log, $mark, $settle, 3) if $settle;
    my $d = status_delta($before, status_json(%o));
    return ($res, $d, log_since($log, $mark));
}

# The "h2push learn: ..." lines in a piece of error log, without the log
# prefix: "stored KEY: VALUE", "replaced KEY: VALUE", "not learned
# (REASON)", "evicted KEY".
sub learn_lines {
    my $text = shift // '';
    return map { /h2push learn: (.*)$/ ? $1 : () } split /\n/, $text;
}

# One HTTP/1.1 (or curl h2) visit, curl_v(%o), plus {n103} (the number of
# 103 blocks), {hint} (the link-values of the first 103, [] without one)
# and {links} (the link-values of the final response).  Over HTTP/1.x the
# visit is followed by a barrier request on the same connection (the
# status page), so that whatever the visit taught is learned when this
# returns: learning happens at log_transaction, after the client may have
# had the whole response.  barrier => undef for none.
sub hint_h1 {
    my %o = (barrier => '/h2push-status?json', @_);
    my $r = curl_v(%o);
    my @b = grep { $_->{status} == 103 } @{ $r->{interim} };
    $r->{n103} = scalar @b;
    $r->{hint} = @b ? [block_links($b[0])] : [];
    $r->{links} = $r->{final} ? [block_links($r->{final})] : [];
    return $r;
}

# One h2 visit with nghttp(%o) (the first of $o{paths} is the page), plus
# {sid}, {n103}, {hint} (link-values of the first 103 on its stream) and
# {promised} (the sorted paths promised on it).
sub hint_h2 {
    my %o = @_;
    my $log = nghttp(%o);
    my $sid = $log->sid_of($o{paths}[0]);
    my @b = h2_blocks($log, $sid, 103);
    $log->{sid} = $sid;
    $log->{n103} = scalar @b;
    $log->{hint} = @b ? [block_links($b[0])] : [];
    $log->{promised} = [defined $sid ? $log->promised_paths($sid) : ()];
    return $log;
}

# Many HTTP/1.1 requests over keep-alive connections (t/h1burst.py):
#   h1burst(port => N | vhost => 'x', requests => [ '/path' | { path,
#           headers => [[name, value]...], method } ...], conns => 1,
#           barrier => '/h2push-status?json' (the default) | undef)
# With a barrier each connection ends with a HEAD of it, which httpd reads
# only when the connection's last request is through log_transaction
# (where learning happens): what the requests taught is learned when this
# returns.
# Returns { elapsed, errors, results => [ { status, n103, hints => [...],
# links => [...], error } ... ] } in the order of the requests, or
# { error => ..., results => [] } when the client failed.
sub h1burst {
    my %o = @_;
    my $port = $o{port} || vhost_port($o{vhost} || 'main');
    my $in = File::Temp->new;
    print $in JSON::PP->new->encode($o{requests});
    close $in;
    my @cmd = ($PYTHON, File::Spec->catfile(vars('t_dir'), 'h1burst.py'),
               '--port', $port, '--conns', $o{conns} || 1,
               '--timeout', $TIMEOUT);
    my $barrier = exists $o{barrier} ? $o{barrier} : '/h2push-status?json';
    push @cmd, '--barrier', $barrier if defined $barrier;
    push @cmd, "$in";
    my $n = @{ $o{requests} };
    my($rc, $out, $err) = run_cmd('timeout', 60 + int($n / 100), @cmd);
    my $res = eval { JSON::PP->new->decode($out) };
    return { error => "h1burst rc=$rc: " . ($@ || '') . $err, results => [] }
        unless $res && ref $res eq 'HASH' && ref $res->{results} eq 'ARRAY';
    return $res;
}

# [ { path, headers } ... ] for h1burst(): the paths, each with the
# header lines of %o (headers => [[name, value]...]) and, with
# host => sub { $i }, a Host per request.
sub burst_requests {
    my($paths, %o) = @_;
    my $i = 0;
    return [ map {
        my @h = @{ $o{headers} || [] };
        push @h, ['Host', $o{host}->($i)] if $o{host};
        $i++;
        { path => $_, headers => \@h };
    } @$paths ];
}

sub file_put {
    my($f, $c) = @_;
    open my $fh, '>', $f or die "$f: $!";
    print $fh $c;
    close $fh;
}

# Processes a test started itself (standalone apache2, redis-server), by
# name.  spawn() runs @cmd with its output appended to $dir/$name.out;
# stop_spawned() sends TERM, waits (bounded) and KILLs what is left; the
# END block below stops whatever a test left running.
my %SPAWNED;    # name => pid

sub spawn {
    my($dir, $name, @cmd) = @_;
    require POSIX;
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$dir/$name.out";
        open STDERR, '>&', \*STDOUT;
        exec { $cmd[0] } @cmd or POSIX::_exit(127);
    }
    $SPAWNED{$name} = $pid;
    return $pid;
}

sub spawned_pid { $SPAWNED{ $_[0] } }

sub stop_spawned {
    my $name = shift;
    require POSIX;
    my $pid = delete $SPAWNED{$name} or return 1;
    kill 'TERM', $pid;
    my $deadline = Time::HiRes::time() + 10;
    while (Time::HiRes::time() < $deadline) {
        my $w = waitpid($pid, POSIX::WNOHANG());
        return 1 if $w == $pid || $w == -1;    # -1: reaped already
        Time::HiRes::sleep(0.05);
    }
    kill 'KILL', $pid;
    waitpid $pid, 0;
    return 0;
}

END {
    my $rc = $?;
    stop_spawned($_) for keys %SPAWNED;
    $? = $rc;
}

# A standalone apache2 (not the Apache::Test server) with the module under
# test, in the foreground (its parent is the spawned process):
#   apache_standalone(dir => $dir, name => 'A', port => N,
#       modules => [extra module names], lines => [config lines],
#       docroot => "$dir/htdocs")
# The configuration is $dir/$name.conf; its error log $dir/$name.error_log
# (LogLevel notice h2push:debug unless lines say otherwise), its pid file
# $dir/run-$name/httpd.pid.  `apache2 -t` first.  Returns { ok, conf,
# port, error_log (the name relative to t/logs, for wait_log), pidfile,
# configtest => output of apache2 -t, rc => its exit status }.
sub apache_standalone {
    my %o = @_;
    my($dir, $name, $port) = @o{qw(dir name port)};
    my $mods = '/usr/lib/apache2/modules';
    my $docroot = $o{docroot} || "$dir/htdocs";
    mkdir "$dir/run-$name";
    file_put("$dir/mime.types", "# types come from AddType\n")
        unless -e "$dir/mime.types";
    my @user = $> == 0 ? ('User nobody', 'Group nogroup') : ();
    my @mods = ('mpm_event', 'authz_core', 'mime', 'headers', 'http2',
                @{ $o{modules} || [] });
    my %seen;
    @mods = grep { !$seen{$_}++ } @mods;
    my $conf = join "\n",
        "# generated by t/lib/H2PushTest.pm apache_standalone()",
        qq{ServerRoot "$dir"},
        qq{DefaultRuntimeDir "$dir/run-$name"},
        qq{PidFile "$dir/run-$name/httpd.pid"},
        qq{ErrorLog "$dir/$name.error_log"},
        'LogLevel notice h2push:debug',
        "Listen 127.0.0.1:$port",
        @user,
        (map { qq{LoadModule ${_}_module "$mods/mod_$_.so"} } @mods),
        qq{LoadModule h2push_module "} . module_so() . '"',
        qq{TypesConfig "$dir/mime.types"},
        'AddType text/css .css', 'AddType text/html .html',
        'AddType application/javascript .js',
        qq{DocumentRoot "$docroot"},
        qq{<Directory "$docroot">}, '    Require all granted', '</Directory>',
        '<Location /h2push-status>', '    SetHandler h2push-status', '</Location>',
        @{ $o{lines} || [] }, '';
    my $file = "$dir/$name.conf";
    file_put($file, $conf);
    my $srv = { conf => $file, port => $port, name => $name, dir => $dir,
                pidfile => "$dir/run-$name/httpd.pid",
                error_log => File::Spec->abs2rel("$dir/$name.error_log",
                                                 vars('t_logs')) };
    my($rc, $out, $err) = run_cmd(vars('httpd'), '-t', '-d', $dir, '-f', $file);
    $srv->{rc} = $rc;
    $srv->{configtest} = "$out$err";
    return $srv if $rc;
    my $pid = spawn($dir, "apache-$name", vars('httpd'), '-d', $dir, '-f',
                    $file, '-DFOREGROUND');
    $srv->{pid} = $pid;
    $srv->{ok} = wait_port($port, 15, $pid);
    return $srv;
}

# Graceful restart of a standalone apache2 (SIGUSR1 to the parent in its
# pid file), then wait (bounded, polling its error log after a mark) for
# the new generation: "resuming normal operations".  1 when it came.
sub graceful_restart {
    my($srv, $timeout) = @_;
    my $mark = log_mark($srv->{error_log});
    my $pid = file_content($srv->{pidfile}) // '';
    $pid =~ s/\s+//g;
    return 0 unless $pid =~ /^\d+$/ && kill 'USR1', $pid;
    my $t = wait_log($srv->{error_log}, $mark,
                     qr/resuming normal operations/, $timeout || 30);
    return $t =~ /resuming normal operations/ ? 1 : 0;
}

# One RESP command to a redis-server on 127.0.0.1:$port; the reply line.
sub redis_cmd {
    my($port, @args) = @_;
    require IO::Socket::INET;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp', Timeout => 5) or return undef;
    print $s '*' . @args . "\r\n" . join('', map { '$' . length($_) . "\r\n$_\r\n" } @args);
    my $line = <$s>;
    close $s;
    $line =~ s/\r?\n\z// if defined $line;
    return $line;
}

sub redis_dbsize {
    my $r = redis_cmd(shift, 'DBSIZE') // '';
    return $r =~ /^:(\d+)$/ ? $1 : "?($r)";
}

# END helpers of the learned-hints tests
# ===========================================================================
1;

# ===========================================================================
# Helpers of t/36_policy.t (issue 11: the policy everywhere)

push @EXPORT_OK, qw(backend103_start backend103_stop backend103_raw
                    unix_socket_up h2_seq status_json_of values_state
                    link_targets);

# status_json() of another vhost (the status page is a global <Location>):
# the learned.* counters count what that vhost's requests do.
sub status_json_of {
    my $vhost = shift;
    my $res = http(vhost => $vhost, path => '/h2push-status?json',
                   http => '1.1');
    return undef unless $res->{status} == 200;
    my $j = eval { JSON::PP->new->decode($res->{body}) } or return undef;
    my %flat;
    my @todo = (['', $j]);
    while (my $t = shift @todo) {
        my($prefix, $h) = @$t;
        for my $k (keys %$h) {
            if (ref $h->{$k} eq 'HASH') { push @todo, ["$prefix$k.", $h->{$k}] }
            else                        { $flat{"$prefix$k"} = $h->{$k} }
        }
    }
    return \%flat;
}

# Wait (bounded) until something accepts connections on the Unix socket
# $path, or, with $pid, give up early when that process has exited.
sub unix_socket_up {
    my($path, $timeout, $pid) = @_;
    require IO::Socket::UNIX;
    require POSIX;
    my $deadline = Time::HiRes::time() + ($timeout || 10);
    while (Time::HiRes::time() < $deadline) {
        my $s = IO::Socket::UNIX->new(Peer => $path, Type => Socket::SOCK_STREAM());
        if ($s) { close $s; return 1 }
        return 0 if $pid && waitpid($pid, POSIX::WNOHANG()) == $pid;
        Time::HiRes::sleep(0.05);
    }
    return 0;
}

# t/backend103.py on logs/pol-backend.sock (the path t/conf/policy.conf.in
# proxies /pol/be/ to), answering as $o{spec} says ({ path => { interim =>
# [[header lines]...], headers => [...], body => '...' } }).  Returns
# { pid, socket, log (its request log), error }; the caller stops it with
# backend103_stop() (also done at exit).
my %backend_pids;
sub backend103_start {
    my %o = @_;
    require POSIX;
    my $logs = vars('t_logs');
    my $sock = File::Spec->catfile($logs, 'pol-backend.sock');
    my $spec = File::Spec->catfile($logs, 'pol-backend.json');
    my $rlog = File::Spec->catfile($logs, 'pol-backend.log');
    my $out  = File::Spec->catfile($logs, 'pol-backend.out');
    open my $fh, '>', $spec or return { error => "$spec: $!" };
    print $fh JSON::PP->new->canonical->encode($o{spec});
    close $fh;
    unlink $rlog;
    my $pid = fork;
    return { error => "fork: $!" } unless defined $pid;
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $out;
        open STDERR, '>&', \*STDOUT;
        my @cmd = ($PYTHON, File::Spec->catfile(vars('t_dir'), 'backend103.py'),
                   '--socket', $sock, '--spec', $spec, '--log', $rlog);
        exec { $cmd[0] } @cmd or POSIX::_exit(127);
    }
    $backend_pids{$pid} = 1;
    my $b = { pid => $pid, socket => $sock, log => $rlog, out => $out };
    $b->{error} = "backend did not listen on $sock: " . (file_content($out) // '')
        unless unix_socket_up($sock, 10, $pid);
    return $b;
}

sub backend103_stop {
    my $b = shift or return;
    my $pid = delete $b->{pid} or return;
    require POSIX;
    kill 'TERM', $pid;
    my $deadline = Time::HiRes::time() + 10;
    while (Time::HiRes::time() < $deadline) {
        my $w = waitpid($pid, POSIX::WNOHANG());
        last if $w == $pid || $w == -1;
        Time::HiRes::sleep(0.05);
    }
    if (kill 0, $pid) { kill 'KILL', $pid; waitpid $pid, 0 }
    delete $backend_pids{$pid};
}

END {
    for my $pid (keys %backend_pids) {
        kill 'TERM', $pid;
        waitpid $pid, 0;
    }
}

# One h2 connection, the paths asked one after the other: the next request
# goes out when the previous stream and every stream pushed with it have
# ended (nghttp and t/h2client.py send all at once).  python3-h2.
#   h2_seq(vhost => 'polh2', paths => [...], no_push => 1,
#          headers => [[name, value]...])
# Returns { error (undef, 'timeout', 'GOAWAY n', or the h2 library's
# exception: a protocol violation by the server), streams => { id => {
# id, path, pushed, parent, status, headers => [[n, v]...], informational
# => [ [[n, v]...] ... ], length, sha256, reset } }, promises => [ {
# parent, promised, path } ], order => [ 'HEADERS 1 103', ... ] }.
sub h2_seq {
    my %o = @_;
    my $vhost = $o{vhost} || 'h2c';
    my $py = <<'PY';
import hashlib, json, socket, ssl, sys, time
import h2.config, h2.connection, h2.events, h2.settings
host, port, tls, nopush, timeout = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4] == "1", float(sys.argv[5])
extra = json.loads(sys.argv[6])
paths = sys.argv[7:]
s = socket.create_connection((host, port), timeout=timeout)
if tls:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["h2"])
    s = ctx.wrap_socket(s, server_hostname=host)
c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="latin-1"))
c.initiate_connection()
c.update_settings({h2.settings.SettingCodes.ENABLE_PUSH: 0 if nopush else 1})
s.sendall(c.data_to_send())
res = {"streams": {}, "promises": [], "order": [], "error": None}
st = res["streams"]
def new(sid, path, pushed=False, parent=None):
    st[str(sid)] = {"id": sid, "path": path, "pushed": pushed, "parent": parent,
                    "status": None, "headers": [], "informational": [],
                    "body": b"", "ended": False, "reset": None}
deadline = time.time() + timeout
try:
    for path in paths:
        sid = c.get_next_available_stream_id()
        c.send_headers(sid, [(":method", "GET"), (":scheme", "https" if tls else "http"),
                             (":authority", "%s:%d" % (host, port)), (":path", path),
                             ("user-agent", "h2push-test-h2seq"), ("accept", "*/*")]
                       + [tuple(h) for h in extra], end_stream=True)
        new(sid, path)
        s.sendall(c.data_to_send())
        def done():
            if not st[str(sid)]["ended"]:
                return False
            return all(x["ended"] for x in st.values() if x["parent"] == sid)
        while not done():
            if time.time() > deadline:
                raise RuntimeError("timeout")
            data = s.recv(65536)
            if not data:
                raise RuntimeError("connection closed")
            for ev in c.receive_data(data):
                if isinstance(ev, h2.events.PushedStreamReceived):
                    p = dict(ev.headers).get(":path")
                    res["promises"].append({"parent": ev.parent_stream_id,
                                            "promised": ev.pushed_stream_id, "path": p})
                    res["order"].append("PUSH_PROMISE %d->%d %s" % (ev.parent_stream_id, ev.pushed_stream_id, p))
                    new(ev.pushed_stream_id, p, True, ev.parent_stream_id)
                elif isinstance(ev, h2.events.InformationalResponseReceived):
                    h = [list(x) for x in ev.headers]
                    st[str(ev.stream_id)]["informational"].append(h)
                    res["order"].append("HEADERS %d %s" % (ev.stream_id, dict(ev.headers).get(":status")))
                elif isinstance(ev, h2.events.ResponseReceived):
                    h = [list(x) for x in ev.headers]
                    st[str(ev.stream_id)]["headers"] = h
                    st[str(ev.stream_id)]["status"] = dict(ev.headers).get(":status")
                    res["order"].append("HEADERS %d %s" % (ev.stream_id, dict(ev.headers).get(":status")))
                elif isinstance(ev, h2.events.DataReceived):
                    st[str(ev.stream_id)]["body"] += ev.data
                    c.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, h2.events.StreamEnded):
                    st[str(ev.stream_id)]["ended"] = True
                    res["order"].append("END_STREAM %d" % ev.stream_id)
                elif isinstance(ev, h2.events.StreamReset):
                    if str(ev.stream_id) in st:
                        st[str(ev.stream_id)]["ended"] = True
                        st[str(ev.stream_id)]["reset"] = ev.error_code
                    res["order"].append("RST_STREAM %d" % ev.stream_id)
                elif isinstance(ev, h2.events.ConnectionTerminated):
                    raise RuntimeError("GOAWAY %s" % ev.error_code)
            s.sendall(c.data_to_send())
except Exception as e:
    res["error"] = "%s: %s" % (type(e).__name__, e)
for x in st.values():
    b = x.pop("body")
    x["length"] = len(b)
    x["sha256"] = hashlib.sha256(b).hexdigest()
print(json.dumps(res))
PY
    my @cmd = ($PYTHON, '-c', $py, '127.0.0.1', vhost_port($vhost),
               $vhost eq 'h2tls' ? 1 : 0, $o{no_push} ? 1 : 0,
               $o{timeout} || $TIMEOUT,
               JSON::PP->new->encode($o{headers} || []), @{ $o{paths} });
    my($rc, $out, $err) = run_cmd('timeout', ($o{timeout} || $TIMEOUT) + 5, @cmd);
    my $res = eval { JSON::PP->new->decode($out) };
    return { error => "h2_seq rc=$rc: $err", streams => {}, promises => [],
             order => [] } unless $res && ref $res eq 'HASH';
    return $res;
}

# How the link-values @$values list <$target> (the same classes as
# link_state(), for a 103 block or any list of link-values).
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

# A raw GET to the backend's Unix socket: the response as it sends it.
sub backend103_raw {
    my($b, $path) = @_;
    require IO::Socket::UNIX;
    my $s = IO::Socket::UNIX->new(Peer => $b->{socket},
                                  Type => Socket::SOCK_STREAM()) or return '';
    print $s "GET $path HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    local $/;
    my $r = <$s> // '';
    close $s;
    return $r;
}

# END helpers of t/36_policy.t
# ===========================================================================
1;
