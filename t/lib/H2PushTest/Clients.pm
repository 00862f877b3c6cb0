package H2PushTest::Clients;
# The clients a test asks the server with.  None dies on a failed request:
# the result says what happened and the test's assertions fail.
#
#   nghttp()     `nghttp -nv`: every frame (an H2PushTest::Log)
#   h2client()   t/h2client.py (python3-h2): pushed bodies, requests one
#                after the other (sequential => 1), or only the page's own
#                stream waited for (until_first => 1)
#   http()       curl -D: a plain request (HTTP/1.1, or h2 without push)
#   curl_v()     curl -v: every header block, 1xx included
#   raw_h1()     a raw HTTP/1.1 GET over a socket, acting while it reads
#   hint_h1(), hint_h2()   one visit and what it was hinted (103s)
#   h1burst()    thousands of HTTP/1.1 requests (t/h1burst.py)
#
# One response shape.  The HTTP/1-style clients (http, curl_v, raw_h1,
# hint_h1) return
#   { rc, err, status (final, 0 when none), blocks => [ { status, line,
#     headers => [[lcname, value]...] } ... ] (every header block in
#     order, 1xx first), interim => [the 1xx blocks], final => the last
#     block, headers => its headers, body }
# (the blocks come from one parser, parse_header_blocks()).  The h2
# clients (nghttp, h2client) return
#   { streams => { id => { id, path, pushed, parent, status, headers =>
#     [[lcname, value]...] (final), blocks => [ [[lcname, value]...] ... ]
#     (1xx included), data => bytes } }, promises => [ { parent, promised,
#     path } ... ], error (h2client) | rc (nghttp) }
# with more per client (nghttp: the frames; h2client: bodies, order).
use strict;
use warnings;

use Exporter 'import';
use File::Spec ();
use File::Temp ();
use JSON::PP ();
use MIME::Base64 ();
use Time::HiRes ();
use H2PushTest::Common qw(vars vhost_port is_tls url file_content
                          run_cmd split_link_values $NGHTTP $CURL $PYTHON
                          $TIMEOUT);
use H2PushTest::Log qw(h2_blocks);

our @EXPORT_OK = qw(nghttp h2client h2_seq adv_h2_parent http header_values
                    curl_v raw_h1 parse_header_blocks block_links link_lines
                    blocks_of count_103 statuses hint_h1 hint_h2 h1burst
                    burst_requests);

# ---------------------------------------------------------------------------
# nghttp
#
#   nghttp(vhost => 'h2tls', paths => ['/a', '/b'], no_push => 1,
#          method => 'HEAD', data => "body", headers => ['if-none-match: x'],
#          port => N, authority => 'host' (instead of vhost: a standalone
#          server on 127.0.0.1:N, :authority as given))
# All paths go over one connection (and nghttp drops duplicate URLs: add a
# query string to request the same page twice).
sub nghttp {
    my %o = @_;
    my $vhost = $o{vhost} || 'h2tls';
    my @paths = ref $o{paths} ? @{ $o{paths} } : ($o{paths} // $o{path});
    my @cmd = ($NGHTTP, '-nv', '--timeout=' . ($o{timeout} || $TIMEOUT));
    push @cmd, '--no-push' if $o{no_push};
    push @cmd, '-H', ":method: $o{method}" if $o{method};
    push @cmd, '-H', ":authority: $o{authority}" if $o{authority};
    push @cmd, '-H', $_ for @{ $o{headers} || [] };
    my $tmp;
    if (defined $o{data}) {
        $tmp = File::Temp->new;
        print $tmp $o{data};
        close $tmp;
        push @cmd, '-d', "$tmp";
    }
    push @cmd, map { $o{port} ? "http://127.0.0.1:$o{port}$_" : url($vhost, $_) } @paths;
    my($rc, $out, $err) = run_cmd('timeout', $TIMEOUT + 10, @cmd);
    my $log = H2PushTest::Log->parse($out);
    $log->{rc}    = $rc;
    $log->{err}   = $err;
    $log->{cmd}   = join ' ', @cmd;
    $log->{paths} = \@paths;
    return $log;
}

# ---------------------------------------------------------------------------
# python3-h2: t/h2client.py (its output is described there), with each
# stream's {blocks} (1xx first) and {data} (bytes) added; { error => ... }
# when the client failed.
#   h2client(vhost => 'h2tls', paths => [...], headers => [[k, v]...],
#            no_push => 1, sequential => 1, until_first => 1, timeout => s)
sub h2client {
    my %o = @_;
    my $vhost = $o{vhost} || 'h2tls';
    my $timeout = $o{timeout} || $TIMEOUT;
    my @paths = ref $o{paths} ? @{ $o{paths} } : ($o{paths} // $o{path});
    my @cmd = ($PYTHON, File::Spec->catfile(vars('t_dir'), 'h2client.py'),
               '--host', '127.0.0.1', '--port', vhost_port($vhost),
               '--timeout', $timeout);
    push @cmd, '--tls' if is_tls($vhost);
    push @cmd, '--no-push' if $o{no_push};
    push @cmd, '--sequential' if $o{sequential};
    push @cmd, '--until-first' if $o{until_first};
    push @cmd, '--header', "$_->[0]: $_->[1]" for @{ $o{headers} || [] };
    push @cmd, @paths;
    my($rc, $out, $err) = run_cmd('timeout', $timeout + 10, @cmd);
    my $res = eval { JSON::PP->new->decode($out) };
    return { error => "h2client rc=$rc: " . ($@ || '') . $err, raw => $out,
             streams => {}, promises => [], order => [] }
        unless $res && ref $res eq 'HASH';
    $res->{rc} = $rc;
    $res->{stderr} = $err;
    for my $s (values %{ $res->{streams} || {} }) {
        $s->{blocks} = [ @{ $s->{informational} || [] },
                         @{ $s->{headers} || [] } ? $s->{headers} : () ];
        $s->{data} = $s->{length};
    }
    return $res;
}

# One h2 connection, the paths asked one after the other: the next request
# goes out when the previous stream and every stream pushed with it have
# ended (h2client() with sequential => 1).
sub h2_seq { h2client(vhost => 'h2c', @_, sequential => 1) }

# GET one page over h2 and return as soon as its own stream has ended
# (pushed streams are not waited for): { status, body, elapsed, error,
# promises => [promised paths] }.
sub adv_h2_parent {
    my %o = @_;
    my $path = delete $o{path};
    my $res = h2client(vhost => 'h2tls', %o, paths => [$path],
                       until_first => 1);
    my $s = $res->{streams}{1} || {};
    return { status => $s->{status}, error => $res->{error},
             elapsed => $res->{elapsed},
             body => MIME::Base64::decode_base64($s->{body_b64} // ''),
             promises => [ map { $_->{path} }
                           grep { $_->{parent} == 1 } @{ $res->{promises} } ] };
}

# ---------------------------------------------------------------------------
# HTTP/1 header blocks: the one parser.
#
# parse_header_blocks($text, stop_at_final => 1): the header blocks at the
# start of $text ("HTTP/x.y NNN reason" and its header lines, a block ending
# at an empty line, at the next status line or at the end), as
# [ { status, line, headers => [[lcname, value]...] } ... ], and the text
# after them.  stop_at_final: no block after the first non-1xx one (what
# follows it is the body).
sub parse_header_blocks {
    my($text, %o) = @_;
    my @blocks;
    while ($text =~ s{\A(HTTP/\S+\s+(\d{3})[^\r\n]*)\r?\n((?:(?!HTTP/\S+\s+\d{3})[^\r\n]+\r?\n)*)(?:\r?\n)?}{}) {
        my $b = { status => $2, line => $1, headers => [] };
        for my $line (split /\r?\n/, $3) {
            push @{ $b->{headers} }, [lc $1, $2] if $line =~ /^([^:\s]+):\s*(.*?)\s*$/;
        }
        push @blocks, $b;
        last if $o{stop_at_final} && $b->{status} !~ /^1/;
    }
    return (\@blocks, $text);
}

# The response fields of the shape above, from its blocks.
sub with_blocks {
    my($res, $blocks) = @_;
    $res->{blocks}  = $blocks;
    $res->{interim} = [ grep { $_->{status} =~ /^1/ } @$blocks ];
    $res->{final}   = $blocks->[-1];
    $res->{status}  = $res->{final} ? $res->{final}{status} : 0;
    $res->{headers} = $res->{final} ? $res->{final}{headers} : [];
    return $res;
}

# Values of a header of the final response (lower-case name).
sub header_values {
    my($res, $name) = @_;
    return map { $_->[1] } grep { $_->[0] eq lc $name } @{ $res->{headers} };
}

# The Link field values of a header block: an HTTP/1 block (hash) or an
# nghttp block (array).  Over HTTP/1.1 each link is a line of its own;
# mod_http2 may join the lines of one block into one field, so h2 blocks
# are compared by link-value (block_links).
sub link_lines {
    my $b = shift;
    my $h = ref $b eq 'HASH' ? $b->{headers} : ($b || []);
    return map { $_->[1] } grep { $_->[0] eq 'link' } @$h;
}

# The link-values of one header block (hash or array), every Link field
# split at its commas.
sub block_links { return map { split_link_values($_) } link_lines(@_) }

# For diagnostics: the status lines of a response, ' | '-joined.
sub blocks_of { join ' | ', map { $_->{line} } @{ $_[0]{blocks} || [] } }

# The statuses of a response's blocks, ' '-joined ("103 200").
sub statuses { join ' ', map { $_->{status} } @{ $_[0]{blocks} || [] } }

# The number of 103 blocks of a response.
sub count_103 { scalar grep { $_->{status} == 103 } @{ $_[0]{interim} || [] } }

# ---------------------------------------------------------------------------
# curl: http(vhost => 'main', path => '/x', http => '1.1' | '2',
#            method => 'HEAD', headers => [...], user => 'u:p', port => N)
# The shape above, plus code (curl's %{http_code}) and raw_headers.
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
    my $raw = file_content("$hdr") // '';
    my($blocks) = parse_header_blocks($raw);
    return with_blocks({ rc => $rc, code => $out, err => $err,
                         cmd => join(' ', @cmd),
                         body => file_content("$body") // '',
                         raw_headers => $raw }, $blocks);
}

# curl -v: every response header block, 1xx included, as curl prints them
# ("< HTTP/1.1 103 Early Hints", "< Link: ...").
#   curl_v(vhost => 'h2eh', path => '/x', method => 'HEAD'|'POST',
#          data => 'body', headers => ['Name: v'], user => 'u:p',
#          port => N (instead of vhost), http => '1.1'|'1.0'|'2'|'upgrade',
#          interface => '127.0.0.2' (the client's source address),
#          barrier => PATH (see below))
# The shape above.
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
    my $hv = join '', map { /^< ?(.*)$/ ? "$1\n" : () } split /\r?\n/, $err;
    my($blocks) = parse_header_blocks($hv);
    return with_blocks({ rc => $rc, err => $err, cmd => join(' ', @cmd),
                         body => file_content("$body") // '' }, $blocks);
}

# A raw HTTP/1.1 GET that reads the response as it comes: when the bytes
# received so far first match $o{when}, $o{then}->() runs (once), and the
# reading goes on to the end (Connection: close; bounded by $o{timeout}).
# For "the server sent X before it produced Y": the handler waits for what
# $o{then} does.  The shape above (body de-chunked), plus raw and fired
# (1 when $o{then} ran).
sub raw_h1 {
    my %o = @_;
    require IO::Socket::INET;
    require IO::Select;
    my $port = $o{port} || vhost_port($o{vhost} || 'main');
    my $res = { raw => '', fired => 0, body => '', err => '' };
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp', Timeout => 5);
    unless ($s) { $res->{err} = "connect: $!"; return with_blocks($res, []) }
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
    # header blocks, then the body of the last one
    my($blocks, $rest) = parse_header_blocks($res->{raw}, stop_at_final => 1);
    with_blocks($res, $blocks);
    my $chunked = grep { $_->[0] eq 'transfer-encoding' && $_->[1] =~ /chunked/i }
        @{ $res->{headers} };
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

# ---------------------------------------------------------------------------
# Visits and what they were hinted

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

1;
