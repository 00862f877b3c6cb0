# Push channels (h2push-channel, h2push-publish): a held stream that
# pushes every published event (a 103 with one preload Link each, the final
# 204 when the channel closes) to push clients (nghttp, python3-h2,
# Node.js's http2), and Server-Sent Events to everyone else (curl -N over
# HTTP/1.1 and h2); replay after Last-Event-ID / ?lastEventID=; the timed
# source (H2PushChannelEvery); the heartbeat; resets and disconnects; bad
# publishes (400, 401, 405, 413); the status counters. Configuration:
# t/conf/channel.conf.in (<VirtualHost chan>: h2c + HTTP/1.1). Graceful
# restart, stop and H2PushChannelMaxSubscribers run on a standalone server.
#
# No sleeps: every subscriber is started in the background, the test waits
# (bounded) for its "subscribed" line in the error log before publishing,
# and the subscribers end by themselves at H2PushChannelMaxAge (4 s), the
# lifecycle bound the assertions use.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use H2PushTest qw(:all);
use File::Spec ();
use File::Path ();
use File::Temp ();
use IPC::Open2 ();
use JSON::PP ();
use MIME::Base64 ();
use POSIX ();
use Time::HiRes ();

my $V = 'chan';
my $PORT = vhost_port($V);
my $USER = 'pusher:secret';
my $LOGS = vars('t_logs');
my $CRT = file_content(htdocs_file('/chan/crt.pem'));

# ---------------------------------------------------------------------------
# background clients

# Start @cmd in the background, stdout+stderr into a file.
sub bg {
    my(@cmd) = @_;
    my $out = File::Temp->new(DIR => $LOGS, SUFFIX => '.chan');
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$out" or POSIX::_exit(126);
        open STDERR, '>', "$out.err" or POSIX::_exit(126);
        exec { $cmd[0] } @cmd or POSIX::_exit(127);
    }
    return { pid => $pid, out => $out, cmd => join(' ', @cmd),
             started => Time::HiRes::time() };
}

# Wait (bounded) for a background client to exit: its output, its exit
# status in {rc}, the time it took in {took}.
sub bg_done {
    my($b, $timeout) = @_;
    my $deadline = Time::HiRes::time() + ($timeout || 15);
    while (1) {
        my $w = waitpid($b->{pid}, POSIX::WNOHANG());
        if ($w == $b->{pid}) {
            $b->{rc} = $? >> 8;
            last;
        }
        if (Time::HiRes::time() > $deadline) {
            kill 'KILL', $b->{pid};
            waitpid $b->{pid}, 0;
            $b->{rc} = 'killed';
            last;
        }
        Time::HiRes::sleep(0.02);
    }
    $b->{ended} = Time::HiRes::time();
    $b->{took} = $b->{ended} - $b->{started};
    $b->{text} = file_content("$b->{out}") // '';
    $b->{stderr} = file_content("$b->{out}.err") // '';
    unlink "$b->{out}.err";
    return $b;
}

# Wait until $n "subscribed" lines for $chan appeared in the error log
# after $mark.
sub subscribed {
    my($mark, $n, $chan, $log) = @_;
    my $re = qr/h2push channel \Q$chan\E: subscribed/;
    my $text = wait_log($log || 'error_log', $mark,
                        qr/(?:$re.*\n(?s:.*)){$n}/, 10);
    my @l = $text =~ /$re/g;
    return scalar @l;
}

sub nghttp_bg {
    my($path, %o) = @_;
    my $port = $o{port} || $PORT;
    return bg('nghttp', '-nv', '--timeout=' . ($o{timeout} || 15),
              @{ $o{args} || [] }, "http://127.0.0.1:$port$path");
}

sub h2client_bg {
    my($path) = @_;
    return bg('/usr/bin/python3', File::Spec->catfile(vars('t_dir'),
              'h2client.py'), '--host', '127.0.0.1', '--port', $PORT,
              '--timeout', 15, $path);
}

sub node_bg {
    my($path) = @_;
    return bg('/usr/bin/node', File::Spec->catfile(vars('t_dir'),
              'node-push.js'), $PORT, $path, 15);
}

sub sse_bg {
    my($path, %o) = @_;
    my $port = $o{port} || $PORT;
    return bg('curl', '-sS', '-k', '-N', '--max-time', $o{max_time} || 15,
              $o{h2} ? '--http2-prior-knowledge' : '--http1.1',
              '-H', 'Accept: text/event-stream',
              (map { ('-H', $_) } @{ $o{headers} || [] }),
              $o{url} || "http://127.0.0.1:$port$path");
}

# POST a form (urlencoded pairs, or multipart with {multipart}) to a
# publish URL: { status, headers (lower-case name => value), body }.
sub publish {
    my(%o) = @_;
    my $hdr = File::Temp->new;
    my @cmd = ('curl', '-sS', '--http1.1', '--max-time', 10, '-D', "$hdr",
               '-o', '-');
    push @cmd, '-u', $o{user} // $USER if ($o{user} // 1);
    push @cmd, '-X', $o{method} if $o{method};
    push @cmd, '-H', $_ for @{ $o{headers} || [] };
    if ($o{multipart}) {
        push @cmd, map { ('-F', $_) } @{ $o{multipart} };
    }
    elsif ($o{form}) {
        push @cmd, map { ('--data-urlencode', $_) } @{ $o{form} };
    }
    elsif (defined $o{raw}) {
        push @cmd, '--data-binary', $o{raw};
    }
    my $port = $o{port} || $PORT;
    push @cmd, "http://127.0.0.1:$port" . ($o{path} || '/chan/updates/publish');
    my($rc, $out, $err) = run_cmd(@cmd);
    my $raw = file_content("$hdr") // '';
    my %h;
    my($status) = $raw =~ m{^HTTP/\S+ (\d+)}m;
    for (split /\r?\n/, $raw) {
        $h{lc $1} = $2 if /^([\w-]+):\s*(.*)$/;
    }
    return { status => $status // 0, headers => \%h, body => $out,
             err => $err, rc => $rc };
}

# mod_status's BusyWorkers (MPM threads serving a connection; the status
# request itself is one of them).
sub busy_workers {
    my %o = @_;
    my $r = http($o{port} ? (port => $o{port}) : (vhost => 'main'),
                 path => '/server-status?auto');
    my($n) = $r->{body} =~ /^BusyWorkers: (\d+)$/m;
    return $n;
}

sub json_lines {
    my $text = shift;
    return map { eval { JSON::PP->new->decode($_) } || { raw => $_ } }
           grep { /\S/ } split /\n/, $text;
}

sub nglog { my $b = shift; return H2PushTest::Log->parse($b->{text}) }

# The promised paths of a log in the order the PUSH_PROMISE frames came.
sub promised_in_order {
    my $log = shift;
    return map { $_->{path} } sort { $a->{index} <=> $b->{index} }
           @{ $log->{promises} || [] };
}

# ---------------------------------------------------------------------------
# Bad publishes: 405, 401, 400 (with a reason), 413; a good multipart one
{
    my $r = publish(method => 'GET');
    is($r->{status}, 405, 'publish: GET is 405');
    like($r->{headers}{allow} // '', qr/POST/, 'publish: Allow: POST');
    $r = publish(user => 0, form => ['topic=news', 'data=x']);
    is($r->{status}, 401, 'publish: no credentials: 401 from Apache');
    $r = publish(user => 'pusher:wrong', form => ['topic=news', 'data=x']);
    is($r->{status}, 401, 'publish: wrong password: 401');
    $r = publish(form => ['data=x']);
    is($r->{status}, 400, 'publish: no topic: 400');
    like($r->{body}, qr/no topic/, 'publish: the reason says "no topic"');
    $r = publish(form => ['topic=news']);
    is($r->{status}, 400, 'publish: neither url nor data: 400');
    $r = publish(form => ['topic=news', 'url=http://elsewhere.example/x']);
    is($r->{status}, 400, 'publish: a URL of another origin: 400');
    $r = publish(form => ['topic=news', 'url=/chan/missing.pem']);
    is($r->{status}, 400, 'publish: url= of a missing file: 400');
    like($r->{body}, qr/not.?found/i, 'publish: the reason is the policy\'s (not found)');
    $r = publish(form => ['topic=news', 'url=/chan/style.css']);
    is($r->{status}, 400, 'publish: url= over H2PushMaxSize: 400');
    like($r->{body}, qr/large|size/i, 'publish: the reason is the size');
    $r = publish(form => ['topic=news', 'data=' . ('x' x 5000)]);
    is($r->{status}, 413, 'publish: 5000 bytes over H2PushChannelMaxEventSize 4K: 413');
    $r = publish(raw => 'topic=news&data=x', headers => ['Content-Type: text/plain']);
    is($r->{status}, 400, 'publish: not a form: 400');
    $r = publish(form => ['topic=news', 'data=x', 'id=a/b']);
    is($r->{status}, 400, 'publish: an id with a slash: 400');
    $r = publish(multipart => ['topic=multi', 'data=from a multipart form',
                               'type=text/x-test']);
    is($r->{status}, 201, 'publish: multipart/form-data: 201');
    like($r->{body}, qr/^\{"id":"[^"]+"\}\s*$/, 'publish: body {"id":"..."}');
    my($id) = $r->{body} =~ /"id":"([^"]+)"/;
    is($r->{headers}{location}, "/chan/updates/events/" . ($id // '?'),
       'publish: Location: <channel>/events/<id>');
    my $g = http(vhost => $V, path => "/chan/updates/events/" . ($id // '?'));
    is($g->{code}, 200, 'event resource: 200');
    is($g->{body}, 'from a multipart form', 'event resource: the payload');
    like($g->{raw_headers}, qr{^Content-Type: text/x-test}mi,
         'event resource: its type');
    like($g->{raw_headers}, qr{^H2Push-Event-ID: \Q$id\E\r?$}mi,
         'event resource: H2Push-Event-ID');
    like($g->{raw_headers}, qr{^H2Push-Topic: multi\r?$}mi,
         'event resource: H2Push-Topic');
    $g = http(vhost => $V, path => '/chan/updates/events/never-published');
    is($g->{code}, 404, 'event resource: an id not in the buffer: 404');
    my $h = http(vhost => $V, path => '/chan/updates', method => 'HEAD');
    is($h->{code}, 200, 'HEAD of a channel: 200 at once (not held)');
    like($h->{raw_headers}, qr{^Content-Type: text/event-stream}mi,
         'HEAD of a channel: text/event-stream');
}

# ---------------------------------------------------------------------------
# Live delivery: three push clients and two SSE clients hold the channel
# (topic news) while four events are published (one of another topic).
my %ids;
{
    my $before = status_json(vhost => $V);
    my $mark = log_mark();
    my $path = '/chan/updates?topic=news';
    my %c = (nghttp => nghttp_bg($path), h2 => h2client_bg($path),
             node => node_bg($path), sse1 => sse_bg($path),
             sse2 => sse_bg($path, h2 => 1));
    is(subscribed($mark, 5, '/chan/updates'), 5,
       'live: five subscribers held (error log)');
    my $log = log_since('error_log', $mark);
    is(scalar(() = $log =~ /subscribed as a push client/g), 3,
       'live: three of them as push clients');
    is(scalar(() = $log =~ /subscribed as a server-sent events client/g), 2,
       'live: two as server-sent events clients');
    my @pubs = (
        publish(form => ['topic=news', 'data=hello']),
        publish(form => ['topic=sports', 'data=not for news']),
        publish(form => ['topic=news', 'topic=extra', 'url=/chan/crt.pem']),
        publish(form => ["topic=news", "data=line 1\nline 2", 'id=custom-1',
                         'type=application/x-lines']),
    );
    is_deeply([map { $_->{status} } @pubs], [201, 201, 201, 201],
              'live: four publishes: 201 each');
    my @id = map { (($_->{body} // '') =~ /"id":"([^"]+)"/)[0] // '?' } @pubs;
    %ids = (hello => $id[0], sports => $id[1], crt => $id[2], lines => $id[3]);
    is($id[3], 'custom-1', 'live: a given id is kept');
    like($id[0], qr/^\d+$/, 'live: an assigned id is a number');
    cmp_ok($id[1], '>', $id[0], 'live: assigned ids increase');
    my @want = ("/chan/updates/events/$id[0]",
                "/chan/crt.pem?h2push-event=$id[2]",
                '/chan/updates/events/custom-1');
    $c{$_} = bg_done($c{$_}, 15) for keys %c;

    # nghttp: the PUSH_PROMISEs in order, then the final 204
    my $ng = nglog($c{nghttp});
    is_deeply([promised_in_order($ng)], \@want,
              'nghttp: exactly the three news events promised, in order')
        or diag $ng->summary;
    my $sid = $ng->sid_of($path);
    is($sid && $ng->status($sid), 204, 'nghttp: the final response is 204');
    # why and when the server closed them: its own account (the clients'
    # start-up time under load is not the server's)
    my @closed = log_since('error_log', $mark)
        =~ m{h2push channel /chan/updates: closed after (\d+) ms, \d+ events delivered \(H2PushChannelMaxAge reached\)}g;
    is(scalar @closed, 5, 'live: the five subscribers closed at H2PushChannelMaxAge')
        or diag log_since('error_log', $mark);
    is(scalar(grep { $_ >= 4000 && $_ < 4000 + 2000 } @closed), 5,
       'live: each held for H2PushChannelMaxAge (4 s), not longer') or diag "@closed";
    is_deeply([map { $ng->pushed_stream($_) ? $ng->pushed_stream($_)->{status} : 0 } @want],
              [200, 200, 200], 'nghttp: every pushed stream 200');
    is($ng->pushed_stream($want[1]) && $ng->pushed_stream($want[1])->{data},
       length $CRT, 'nghttp: the pushed crt.pem has its length');

    # python3-h2: paths, bodies, types, in order
    my $h = eval { JSON::PP->new->decode($c{h2}{text}) } || {};
    my @prom = map { $_->{path} } @{ $h->{promises} || [] };
    is_deeply(\@prom, \@want, 'python3-h2: the three promises in order')
        or diag $c{h2}{text} . $c{h2}{stderr};
    my %by_path = map { ($_->{path} => $_) } grep { $_->{pushed} }
                  values %{ $h->{streams} || {} };
    my @bodies = map { $by_path{$_} ? MIME::Base64::decode_base64($by_path{$_}{body_b64} // '') : undef } @want;
    is_deeply(\@bodies, ['hello', $CRT, "line 1\nline 2"],
              'python3-h2: the pushed bodies (data, the URL\'s file, multi-line data)');
    my %type = map { my $s = $by_path{$_}; ($_ => $s ? { map { @$_ } @{ $s->{headers} } }->{'content-type'} : undef) } @want;
    is($type{$want[2]}, 'application/x-lines', 'python3-h2: a data event comes with its type');
    is($type{$want[0]}, 'text/plain', 'python3-h2: the default type is text/plain');
    my $event_id = $by_path{$want[2]}
        ? { map { @$_ } @{ $by_path{$want[2]}{headers} } }->{'h2push-event-id'} : undef;
    is($event_id, 'custom-1', 'python3-h2: the pushed event carries H2Push-Event-ID');
    my($main) = grep { !$_->{pushed} } values %{ $h->{streams} || {} };
    is($main && $main->{status}, '204', 'python3-h2: final 204');

    # Node.js: the pushes in the order they ended, then the final 204
    my @n = json_lines($c{node}{text});
    my @np = grep { ($_->{type} // '') eq 'push' } @n;
    is_deeply([map { $_->{path} } @np], \@want, 'node: three pushes in order')
        or diag $c{node}{text} . $c{node}{stderr};
    is_deeply([map { $_->{body} } @np], ['hello', $CRT, "line 1\nline 2"],
              'node: the pushed bodies');
    is_deeply([map { $_->{status} } @np], [200, 200, 200], 'node: pushed 200s');
    my($nf) = grep { ($_->{type} // '') eq 'final' } @n;
    is($nf && $nf->{status}, 204, 'node: final 204 when the channel closed');

    # SSE over HTTP/1.1 and h2: the exact stream
    my $sse = ": h2push channel\n\n"
            . "id: $id[0]\nevent: news\ndata: hello\n\n"
            . "id: $id[2]\nevent: news\ndata: /chan/crt.pem\n\n"
            . "id: custom-1\nevent: news\ndata: line 1\ndata: line 2\n\n";
    is($c{sse1}{text}, $sse, 'SSE (curl -N, HTTP/1.1): the exact event stream');
    is($c{sse1}{rc}, 0, 'SSE (HTTP/1.1): the response ended cleanly (MaxAge)');
    is($c{sse2}{text}, $sse, 'SSE (curl -N, h2): the exact event stream');

    my $d = status_delta($before, status_json(vhost => $V));
    is($d->{'channel.published'}, 4, 'status: channel.published +4') or diag explain $d;
    is($d->{'channel.pushed'}, 9, 'status: channel.pushed +9 (3 events x 3 push clients)');
    is($d->{'channel.sse'}, 6, 'status: channel.sse +6');
    is($d->{'channel.subscribed'}, 5, 'status: channel.subscribed +5');
    is(status_json(vhost => $V)->{'channel.subscribers'}, 0,
       'status: no subscriber left');
}

# ---------------------------------------------------------------------------
# H2PushChannelMaxPushes 2: the held stream ends with its final 204 after
# two pushes (mod_http2 keeps memory per 103 until the stream ends), long
# before H2PushChannelMaxAge (10 s); the log says why
{
    my $mark = log_mark();
    my $t0 = time;
    my $ng = nghttp(vhost => $V, paths => ['/chan/capped']);
    my $sid = $ng->sid_of('/chan/capped');
    my @p = promised_in_order($ng);
    is(scalar @p, 2, 'MaxPushes 2: two pushes') or diag $ng->summary;
    is(scalar(grep { m{^/chan/crt\.pem\?h2push-event=tick-} } @p), 2,
       'MaxPushes 2: the two ticks of the timed source');
    is($sid && $ng->status($sid), 204, 'MaxPushes 2: then the final 204');
    cmp_ok(time - $t0, '<', 8, 'MaxPushes 2: before H2PushChannelMaxAge (10 s)');
    ok(wait_log('error_log', $mark, qr{h2push channel /chan/capped: closed .* 2 events delivered \(H2PushChannelMaxPushes reached\)}, 5),
       'MaxPushes 2: the debug log names the reason');
}

# ---------------------------------------------------------------------------
# Replay (push and SSE), the timed source, the heartbeat: in parallel
{
    my $before = status_json(vhost => $V);
    my $mark = log_mark();
    my %c = (
        ng => nghttp_bg("/chan/updates?topic=news&lastEventID=$ids{hello}"),
        sse => sse_bg('/chan/updates?topic=news',
                      headers => ["Last-Event-ID: $ids{crt}"]),
        auto => nghttp_bg('/chan/auto'),
        autoh2 => h2client_bg('/chan/auto'),
        hb => sse_bg('/chan/hb'),
    );
    $c{$_} = bg_done($c{$_}, 15) for keys %c;
    my $ng = nglog($c{ng});
    is_deeply([promised_in_order($ng)],
              ["/chan/crt.pem?h2push-event=$ids{crt}", '/chan/updates/events/custom-1'],
              'replay (push, ?lastEventID=): the news events after it')
        or diag $ng->summary;
    is($c{sse}{text}, ": h2push channel\n\n"
                    . "id: custom-1\nevent: news\ndata: line 1\ndata: line 2\n\n",
       'replay (SSE, Last-Event-ID): the news event after it');

    my $a = nglog($c{auto});
    my @auto = promised_in_order($a);
    is(scalar @auto, 3, 'timed source: three pushes in 3.5 s at 1s')
        or diag $a->summary;
    is(scalar(grep { m{^/chan/crt\.pem\?h2push-event=tick-\d+-\d+$} } @auto), 3,
       'timed source: each tick a unique URL of /chan/crt.pem');
    my %u = map { ($_ => 1) } @auto;
    is(scalar keys %u, 3, 'timed source: three different URLs');
    is($a->status($a->sid_of('/chan/auto')), 204, 'timed source: final 204 at MaxAge');
    my $h = eval { JSON::PP->new->decode($c{autoh2}{text}) } || {};
    my @ab = map { MIME::Base64::decode_base64($_->{body_b64} // '') }
             grep { $_->{pushed} } values %{ $h->{streams} || {} };
    is_deeply(\@ab, [$CRT, $CRT, $CRT], 'timed source (python3-h2): three bodies of crt.pem');

    my $hb = $c{hb}{text};
    cmp_ok(scalar(() = $hb =~ /^: hb$/mg), '>=', 2,
           'heartbeat: comment lines every 300ms') or diag $hb;
    unlike($hb, qr/^(?:id|data):/m, 'heartbeat: no events');
    my $d = status_delta($before, status_json(vhost => $V));
    is($d->{'channel.replayed'}, 3, 'status: channel.replayed +3') or diag explain $d;
}

# ---------------------------------------------------------------------------
# A reset stream (connection kept) and a disconnect free the subscriber
# within 1 s; nothing is left counted
{
    my $busy0 = busy_workers();
    ok(defined $busy0, "mod_status: BusyWorkers $busy0 before");
    my $mark = log_mark();
    my($out, $in);
    my $pid = IPC::Open2::open2($out, $in, '/usr/bin/python3',
        File::Spec->catfile(vars('t_dir'), 'h2reset.py'), '--port', $PORT,
        '/chan/long');
    my $l = <$out> // '';
    is($l, "sent\n", 'reset: request sent');
    is(subscribed($mark, 1, '/chan/long'), 1, 'reset: subscribed');
    is(busy_workers(), $busy0 + 1, 'reset: the held stream keeps one more worker busy');
    my $m2 = log_mark();
    print $in "go\n"; $in->flush;
    $l = <$out> // '';
    my $t = wait_log('error_log', $m2, qr{/chan/long: closed after.*client went away}, 1);
    like($t, qr{/chan/long: closed after.*client went away},
         'reset: the subscriber ended within 1 s');
    print $in "go\n"; $in->flush;
    $l = <$out> // '';
    is($l, "alive\n", 'reset: the connection itself still answers');
    close $in; waitpid $pid, 0;

    for my $kind (qw(h2 h1 h1-tls)) {
        my $m = log_mark();
        my $b = $kind eq 'h2' ? nghttp_bg('/chan/long')
              : $kind eq 'h1' ? sse_bg('/chan/long')
              : sse_bg('/chan/long', url => url('h2tls', '/chan/long'));
        is(subscribed($m, 1, '/chan/long'), 1, "disconnect ($kind): subscribed");
        my $m3 = log_mark();
        kill 'TERM', $b->{pid};
        bg_done($b, 5);
        $t = wait_log('error_log', $m3, qr{/chan/long: closed after.*client went away}, 1);
        like($t, qr{/chan/long: closed after.*client went away},
             "disconnect ($kind): the subscriber ended within 1 s");
    }
    is(status_json(vhost => $V)->{'channel.subscribers'}, 0,
       'after resets and disconnects: no subscriber counted');
    is(busy_workers(), $busy0, 'after resets and disconnects: BusyWorkers back where it was');
}

# ---------------------------------------------------------------------------
# A standalone server: the buffer drops its oldest event first,
# H2PushChannelMaxSubscribers answers 503 + Retry-After, a graceful restart
# ends every channel within 2 s (push: the final 204; SSE: the end of the
# body) and keeps the buffer, a stop ends every channel within 2 s.
{
    my $dir = File::Spec->catdir($LOGS, 'channel');
    File::Path::rmtree($dir);
    File::Path::mkpath("$dir/htdocs");
    my $sport = free_port();
    my $srv = apache_standalone(dir => $dir, name => 'S', port => $sport,
        modules => ['status'],
        lines => ['Protocols h2c http/1.1', 'H2Direct on',
                  'H2PushChannelBuffer 3', 'H2PushChannelMaxSubscribers 2',
                  '<Location /ch>', '    SetHandler h2push-channel', '</Location>',
                  '<Location /ch/publish>', '    SetHandler h2push-publish',
                  '</Location>',
                  '<Location /server-status>', '    SetHandler server-status',
                  '</Location>']);
    ok($srv->{ok}, 'standalone: started') or diag $srv->{configtest};
    my $busy0 = busy_workers(port => $sport);
    my $elog = $srv->{error_log};
    my %sp = (port => $sport, path => '/ch/publish', user => 0);
    my @e = map { publish(%sp, form => ['topic=t', "data=event $_"]) } 1 .. 4;
    is_deeply([map { $_->{status} } @e], [201, 201, 201, 201], 'standalone: four publishes');
    my @eid = map { ($_->{body} =~ /"id":"([^"]+)"/)[0] // '?' } @e;
    my $g1 = http(port => $sport, path => "/ch/events/$eid[0]");
    my $g2 = http(port => $sport, path => "/ch/events/$eid[1]");
    is($g1->{code}, 404, 'buffer of 3: the oldest of four events left it (404)');
    is("$g2->{code} $g2->{body}", "200 event 2", 'buffer of 3: the second is held');
    is(status_json(port => $sport)->{'channel.dropped'}, 1, 'status: channel.dropped 1');

    # two subscribers: a push client and an SSE client; the third is refused
    my $mark = log_mark($elog);
    my $ng = nghttp_bg('/ch', port => $sport);
    my $sse = sse_bg('/ch', port => $sport);
    is(subscribed($mark, 2, '/ch', $elog), 2, 'standalone: two subscribers held');
    my $third = curl_v(port => $sport, path => '/ch');
    is($third->{status}, 503, 'H2PushChannelMaxSubscribers 2: the third gets 503');
    like(join(' ', header_values($third, 'retry-after')), qr/^\d+$/,
         '503 with Retry-After');
    my $st = status_json(port => $sport);
    is($st->{'channel.subscribers'}, 2, 'status: 2 subscribers now');
    is($st->{'channel.refused'}, 1, 'status: channel.refused 1');

    # graceful restart: both end within 2 s
    my $t0 = Time::HiRes::time();
    ok(graceful_restart($srv), 'graceful restart done');
    bg_done($_, 5) for $ng, $sse;
    my $nl = nglog($ng);
    is($nl->status($nl->sid_of('/ch')), 204, 'graceful: the push client got its final 204');
    cmp_ok($ng->{ended} - $t0, '<', 2, 'graceful: the push channel ended within 2 s');
    is($sse->{rc}, 0, 'graceful: the SSE response ended cleanly');
    cmp_ok($sse->{ended} - $t0, '<', 2, 'graceful: the SSE channel ended within 2 s');
    like(log_since($elog, $mark), qr/closed after .*the server restarts or stops/,
         'graceful: the log says why');
    my($busy, $deadline) = (undef, Time::HiRes::time() + 2);
    do { $busy = busy_workers(port => $sport) }
        while (($busy // -1) != $busy0 && Time::HiRes::time() < $deadline
               && Time::HiRes::sleep(0.05));
    is($busy, $busy0, "graceful: BusyWorkers back to $busy0 (within 2 s)");

    # the buffer survived: a reconnect replays what came after event 2
    $mark = log_mark($elog);
    my $re = sse_bg('/ch', port => $sport, headers => ["Last-Event-ID: $eid[1]"]);
    wait_log($elog, $mark, qr/event \Q$eid[3]\E replayed/, 10);
    kill 'TERM', $re->{pid};
    bg_done($re, 5);
    wait_log($elog, $mark, qr{/ch: closed after}, 5);
    is($re->{text}, ": h2push channel\n\n"
                  . "id: $eid[2]\nevent: t\ndata: event 3\n\n"
                  . "id: $eid[3]\nevent: t\ndata: event 4\n\n",
       'after graceful: Last-Event-ID replays the events after it (buffer kept)');
    is(status_json(port => $sport)->{'channel.subscribers'}, 0,
       'after graceful: no subscriber counted');

    # stop: both end within 2 s
    $mark = log_mark($elog);
    $ng = nghttp_bg('/ch', port => $sport);
    $sse = sse_bg('/ch', port => $sport);
    is(subscribed($mark, 2, '/ch', $elog), 2, 'stop: two subscribers held');
    $t0 = Time::HiRes::time();
    ok(stop_spawned('apache-S'), 'stop: the server exited');
    bg_done($_, 5) for $ng, $sse;
    cmp_ok($ng->{ended} - $t0, '<', 2, 'stop: the push client\'s connection ended within 2 s');
    cmp_ok($sse->{ended} - $t0, '<', 2, 'stop: the SSE client\'s response ended within 2 s');
}

# ---------------------------------------------------------------------------
# Two servers sharing events through a real redis-server
# (H2PushChannelStore redis://...): a publish on one reaches the
# subscribers of the other; the buffer survives a restart (a new server
# fills its buffer from the stream).
{
    my $dir = File::Spec->catdir($LOGS, 'channel-redis');
    File::Path::rmtree($dir);
    File::Path::mkpath("$dir/htdocs");
    file_put("$dir/htdocs/crt.pem", "shared certificate\n");
    my $rport = free_port();
    spawn($dir, 'redis', '/usr/bin/redis-server', '--port', $rport,
          '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
          '--dir', $dir, '--daemonize', 'no');
    my $up = wait_port($rport, 10, spawned_pid('redis'))
             && (redis_cmd($rport, 'PING') // '') eq '+PONG';
    ok($up, "redis-server answers on 127.0.0.1:$rport");
    my %p;
    my %used;
    my $start = sub {
        my $name = shift;
        my $p = $p{$name} //= do { my $x; do { $x = free_port() } while $used{$x}++; $x };
        return apache_standalone(dir => $dir, name => $name, port => $p,
            modules => ['status'],
            lines => ['Protocols h2c http/1.1', 'H2Direct on',
                      "H2PushChannelStore redis://127.0.0.1:$rport/h2ptest",
                      'H2PushChannelBuffer 100',
                      '<Location /ch>', '    SetHandler h2push-channel',
                      '    H2PushChannelMaxAge 3s', '</Location>',
                      '<Location /ch/publish>', '    SetHandler h2push-publish',
                      '</Location>']);
    };
    my %srv = map { ($_ => $start->($_)) } qw(RA RB);
    ok($srv{RA}{ok} && $srv{RB}{ok}, 'redis: two servers started')
        or diag "$srv{RA}{configtest} $srv{RB}{configtest}";
    my %mark = map { ($_ => log_mark($srv{$_}{error_log})) } qw(RA RB);
    my $ngb = nghttp_bg('/ch', port => $p{RB});
    my $ssea = sse_bg('/ch', port => $p{RA});
    is(subscribed($mark{RB}, 1, '/ch', $srv{RB}{error_log})
       + subscribed($mark{RA}, 1, '/ch', $srv{RA}{error_log}), 2,
       'redis: a push subscriber on B, an SSE subscriber on A');
    my $e1 = publish(port => $p{RA}, path => '/ch/publish', user => 0,
                     form => ['topic=x', 'data=published on A']);
    my $e2 = publish(port => $p{RB}, path => '/ch/publish', user => 0,
                     form => ['topic=x', 'url=/crt.pem']);
    is("$e1->{status} $e2->{status}", '201 201', 'redis: published on A and on B');
    my($i1) = $e1->{body} =~ /"id":"([^"]+)"/;
    my($i2) = $e2->{body} =~ /"id":"([^"]+)"/;
    $i1 //= '?'; $i2 //= '?';
    isnt($i1, $i2, 'redis: the two servers give different ids');
    bg_done($_, 10) for $ngb, $ssea;
    my $nl = nglog($ngb);
    is_deeply([promised_in_order($nl)], ["/ch/events/$i1", "/crt.pem?h2push-event=$i2"],
              'redis: B pushed the event published on A, then its own')
        or diag $nl->summary;
    is($nl->pushed_stream("/ch/events/$i1") && $nl->pushed_stream("/ch/events/$i1")->{data},
       length('published on A'), 'redis: the pushed payload has its length');
    is($ssea->{text}, ": h2push channel\n\nid: $i1\nevent: x\ndata: published on A\n\n"
                    . "id: $i2\nevent: x\ndata: /crt.pem\n\n",
       'redis: A streamed both (SSE)');
    is(redis_cmd($rport, 'XLEN', 'h2ptest:events'), ':2', 'redis: the stream holds two entries');

    # A restarts (a new buffer): it fills its buffer from the stream
    my $mk = log_mark($srv{RA}{error_log});
    ok(stop_spawned('apache-RA'), 'redis: A stopped');
    $srv{RA} = $start->('RA');
    ok($srv{RA}{ok}, 'redis: A started again');
    like(wait_log($srv{RA}{error_log}, $mk, qr/2 events taken from redis into a new buffer/, 10),
         qr/2 events taken from redis into a new buffer/,
         'redis: the new buffer was filled from the stream (2 events)');
    my $g = http(port => $p{RA}, path => "/ch/events/$i1");
    is("$g->{code} $g->{body}", '200 published on A',
       'redis: after a restart, A serves the event from before it');
    my $re = sse_bg('/ch', port => $p{RA}, headers => ["Last-Event-ID: $i1"]);
    bg_done($re, 10);
    is($re->{text}, ": h2push channel\n\nid: $i2\nevent: x\ndata: /crt.pem\n\n",
       'redis: after a restart, Last-Event-ID replays what came after');
    stop_spawned($_) for 'apache-RA', 'apache-RB', 'redis';
}

# ---------------------------------------------------------------------------
# Chromium's EventSource (TLS h2 through the latency relay, as in
# t/20_chromium.t): the page t/htdocs/chan/eventsource.html subscribes to
# /chan/browser?topic=b, publishes two "b" events and one of another topic
# itself once the stream is open, and writes what its "b" listener received
# into the DOM. --virtual-time-budget makes --dump-dom wait for the page's
# timers (the page closes the stream when both events came).
{
    require H2PushChromium;
    my $mark = log_mark();
    H2PushChromium::run_pages(sub {
        my($path, $pin, $relay) = @_;
        my $run = H2PushChromium::dump_dom(
            url => 'https://127.0.0.1:' . $relay->port . $path, pin => $pin,
            timeout => 60, args => ['--virtual-time-budget=10000']);
        my $res = H2PushChromium::page_result($run->{dom});
        ok($res, 'chromium: the page wrote its result') or diag $run->{err};
        $res ||= {};
        is($res->{why}, 'two events', 'chromium: both events came before the page\'s 8 s timer');
        is_deeply([map { $_->{data} } @{ $res->{events} || [] }],
                  ['first from the browser', "second\nline two"],
                  'chromium: EventSource received the published events (multi-line data joined)');
        is_deeply([map { $_->{type} } @{ $res->{events} || [] }], ['b', 'b'],
                  'chromium: as events of type "b" (the topic)');
        like(join(',', map { $_->{id} } @{ $res->{events} || [] }), qr/^\d+,\d+$/,
             'chromium: with their ids (lastEventId)');
    }, '/chan/eventsource.html');
    like(log_since('error_log', $mark),
         qr{/chan/browser: subscribed as a server-sent events client \(push not enabled\)},
         'chromium: the server saw an SSE subscriber (browsers take no pushes)');
}

done_testing();
