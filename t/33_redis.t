# H2PushLearn on redis:HOST:PORT (mod_socache_redis): Apache instances
# share what they learn.  The test starts a real redis-server and
# standalone apache2 instances of its own (the Apache::Test server's
# configuration is fixed before the redis port is known): A adds a Link
# header to /page.html, B serves the same files without it; both are
# "ServerName shared.example:8080", so both learn and replay under the key
# http://shared.example:8080/page.html (the vhost's name and port, never
# the Host a client sends).  After A has learned the link, B sends it in a
# 103 for the same URL.
#
# Then the store under attack (what an attacker can make the server write
# into redis):
#   - 2,000 requests to A with 2,000 distinct Host names: not one key more
#     (refusal "host": the Host is not a name of the vhost);
#   - 2,000 distinct query strings (H2PushLearnQuery off): not one key more
#     (refusal "query");
#   - instance C, H2PushLearnQuery on and H2PushLearnMaxEntries 100: 2,000
#     distinct query strings leave at most 100 keys of C's, the least
#     recently learned evicted (learned.evicted).
# Everything is stopped at the end (bounded waits, polling the ports; no
# sleeping as synchronisation).  A missing redis-server or
# mod_socache_redis is a failure (t/deps.sh installs them), not a skip.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use H2PushTest qw(:all);
use File::Spec ();
use File::Path ();
use IO::Socket::INET ();

my $REDIS = '/usr/bin/redis-server';
my $MODS = module_dir();
my $HOST = 'shared.example';
my $NAME = 'shared.example:8080';
my $LINK = '</shared.css>; rel=preload; as=style';

ok(-x $REDIS, "$REDIS is installed (t/deps.sh: redis-server)");
ok(-f "$MODS/mod_socache_redis.so", "$MODS/mod_socache_redis.so is installed");

my $dir = File::Spec->catdir(Apache::Test::vars('t_logs'), 'redis');
File::Path::rmtree($dir);
File::Path::mkpath("$dir/htdocs");

# --------------------------------------------------------------------------
# redis-server on a free loopback port, nothing saved
my $rport = free_port();
my $rpid = spawn($dir, 'redis', $REDIS, '--port', $rport, '--bind', '127.0.0.1',
                 '--save', '', '--appendonly', 'no', '--dir', $dir,
                 '--daemonize', 'no');
my $redis_up = wait_port($rport, 10, $rpid)
               && (redis_cmd($rport, 'PING') // '') eq '+PONG';
ok($redis_up, "redis-server answers PING on 127.0.0.1:$rport")
    or diag file_content("$dir/redis.out");

# apache2 instances sharing it
file_put("$dir/htdocs/page.html", "<!doctype html><title>shared</title>\n");
file_put("$dir/htdocs/shared.css", "body { color: #345 }\n");

my @LINKED = ('<Location /page.html>',
              '    Header add Link "</shared.css>; rel=preload"', '</Location>');
my %conf = (
    A => [ "ServerName $NAME", @LINKED ],
    B => [ "ServerName $NAME" ],
    # the query is part of the key here, and at most 100 entries
    C => [ 'ServerName capped.example:8080', @LINKED,
           'H2PushLearnQuery on',
           '<IfDirective H2PushLearnMaxEntries>',
           '    H2PushLearnMaxEntries 100',
           '</IfDirective>' ],
);
my %srv;
my %port;
SKIP: {
    skip 'redis-server did not start', 1 unless $redis_up;
    my %used;
    for my $name (qw(A B C)) {
        my $p;
        do { $p = free_port() } while $used{$p}++;
        $port{$name} = $p;
        my $s = $srv{$name} = apache_standalone(
            dir => $dir, name => $name, port => $p,
            modules => ['socache_redis'],
            lines => [
                'LogLevel notice h2push:debug socache_redis:info',
                'StartServers 1', 'ServerLimit 2', 'ThreadsPerChild 10',
                'MaxRequestWorkers 20', 'MinSpareThreads 5', 'MaxSpareThreads 20',
                'MaxKeepAliveRequests 0',
                'Protocols h2c http/1.1', 'H2Direct on', 'H2EarlyHints on',
                'H2PushEarlyHints on',
                "H2PushLearn on redis:127.0.0.1:$rport",
                @{ $conf{$name} },
            ]);
        is($s->{rc}, 0, "apache2 -t $name.conf") or diag $s->{configtest};
        ok($s->{ok}, "instance $name listens on 127.0.0.1:$p")
            or diag file_content("$dir/$name.error_log") // '',
                    file_content("$dir/apache-$name.out") // '';
    }
}

sub visit {
    my($name, %o) = @_;
    return hint_h1(port => $port{$name}, path => '/page.html',
                   headers => ["Host: $HOST"], %o);
}

# h2 (nghttp, prior knowledge) to instance $name, :authority shared.example
sub nghttp_port {
    my($name, %o) = @_;
    return hint_h2(port => $port{$name}, authority => $HOST,
                   paths => ['/page.html'], %o);
}

sub counters { status_json(port => $port{ $_[0] }) || {} }

my $up = $redis_up && $srv{A} && $srv{A}{ok} && $srv{B}{ok};
SKIP: {
    skip 'the servers did not start', 1 unless $up;
    my $key = "http://$NAME/page.html";

    is(redis_dbsize($rport), 0, 'redis: empty at first');
    my $b0 = visit('B');
    is($b0->{status}, 200, 'B before A learned: 200');
    is($b0->{n103}, 0, 'B before A learned: no 103');

    my $mark = log_mark($srv{A}{error_log});
    my $a1 = visit('A');
    is($a1->{status}, 200, 'A: 200');
    is($a1->{n103}, 0, 'A first visit: no 103');
    my $alog = wait_log($srv{A}{error_log}, $mark, qr/h2push learn: stored/, 5);
    like($alog, qr{h2push learn: stored \Q$key\E: </shared\.css>; rel=preload$}m,
         "A learned $key (ServerName and its port, not the Host) into redis");
    is(redis_dbsize($rport), 1, 'redis: one entry');

    $mark = log_mark($srv{B}{error_log});
    my $b1 = visit('B');
    is($b1->{status}, 200, 'B (HTTP/1.1): 200');
    is($b1->{n103}, 1, 'B (HTTP/1.1): one 103');
    is_deeply($b1->{hint}, [$LINK], "B (HTTP/1.1): the 103 carries $LINK")
        or diag $b1->{err};
    is_deeply($b1->{links}, [], 'B (HTTP/1.1): B itself has no Link for the page');
    like(wait_log($srv{B}{error_log}, $mark, qr/source=learned/, 5),
         qr{h2push decision: source=learned target=</shared\.css> path=/shared\.css result=hinted as=style},
         'B: logged as a learned hint');
    # B's own response has no preload links: it replaces (drops) the
    # shared entry, and A sees that
    is(redis_dbsize($rport), 0, 'redis: B dropped the entry (its page has no links)');
    my $a2 = visit('A');
    is($a2->{n103}, 0, 'A after B dropped it: no 103');
    is(redis_dbsize($rport), 1, 'redis: A learned it again');

    my $n1 = nghttp_port('B', no_push => 1);
    is($n1->status($n1->{sid}), 200, 'B (h2 --no-push, :authority shared.example): 200')
        or diag $n1->summary;
    is($n1->{n103}, 1, 'B (h2 --no-push): one 103') or diag $n1->summary;
    is_deeply($n1->{hint}, [$LINK], 'B (h2 --no-push): the learned link');

    visit('A');
    is(redis_dbsize($rport), 1, 'redis: A learned it again');
    my $n2 = nghttp_port('B');
    is($n2->status($n2->{sid}), 200, 'B (push client): 200');
    is_deeply([$n2->promised_paths], ['/shared.css'], 'B (push client): /shared.css pushed')
        or diag $n2->summary;
    my $ps = $n2->pushed_stream('/shared.css');
    is($ps && $ps->{status}, 200, 'B (push client): the pushed response is 200');

    my $ca = counters('A');
    my $cb = counters('B');
    is($ca->{'learned.stored'}, 3, 'A counters: learned.stored 3') or diag explain $ca;
    is($cb->{'learned.stored'}, 0, 'B counters: learned.stored 0 (it only read)')
        or diag explain $cb;
    is($cb->{'hints.sent'}, 3, 'B counters: hints.sent 3 (two 103s to hint clients, one to push)')
        or diag explain $cb;
}

# --------------------------------------------------------------------------
# The store under attack
SKIP: {
    skip 'the servers did not start', 1 unless $up;
    my $N = 2000;
    visit('A');
    my $keys0 = redis_dbsize($rport);
    is($keys0, 1, 'attack: before, one key (A\'s /page.html)');

    # 2,000 distinct Host names
    my $c0 = counters('A');
    my $b = h1burst(port => $port{A}, conns => 4,
                    requests => burst_requests([('/page.html') x $N],
                                               host => sub { "h$_[0].attacker.example" }));
    is(scalar(grep { $_->{status} == 200 } @{ $b->{results} }), $N,
       "attack: $N requests with distinct Host names answered 200")
        or diag $b->{error} // '';
    my $c1 = counters('A');
    my $d = status_delta($c0, $c1);
    is(redis_dbsize($rport), $keys0, "attack: $N Host names: redis key count unchanged ($keys0)");
    is($d->{'learned.refused.host'}, $N, "attack: learned.refused.host +$N") or diag explain $d;
    is($d->{'learned.stored'} // 0, 0, 'attack: Host names: nothing stored');
    diag sprintf('redis: %d requests with distinct Host names in %.2f s',
                 $N, $b->{elapsed} // 0);

    # 2,000 distinct query strings, H2PushLearnQuery off
    $b = h1burst(port => $port{A}, conns => 4,
                 requests => burst_requests([map { "/page.html?q=$_" } 1 .. $N],
                                            headers => [['Host', $HOST]]));
    is(scalar(grep { $_->{status} == 200 } @{ $b->{results} }), $N,
       "attack: $N distinct query strings answered 200") or diag $b->{error} // '';
    $d = status_delta($c1, counters('A'));
    is(redis_dbsize($rport), $keys0, "attack: $N query strings: redis key count unchanged ($keys0)");
    is($d->{'learned.refused.query'}, $N, "attack: learned.refused.query +$N") or diag explain $d;
    # ... and each was replayed what the path taught
    is(scalar(grep { $_->{n103} && "@{ $_->{hints} }" eq $LINK } @{ $b->{results} }), $N,
       'attack: each query got the 103 the path taught');

    # C: H2PushLearnQuery on, H2PushLearnMaxEntries 100
  SKIP: {
        skip 'instance C did not start', 1 unless $srv{C}{ok};
        my $cc0 = counters('C');
        $b = h1burst(port => $port{C},
                     requests => burst_requests([map { "/page.html?q=$_" } 1 .. $N],
                                                headers => [['Host', 'capped.example']]));
        is(scalar(grep { $_->{status} == 200 } @{ $b->{results} }), $N,
           "bounded: $N distinct query strings to C answered 200") or diag $b->{error} // '';
        my $keys = redis_dbsize($rport);
        my $dc = status_delta($cc0, counters('C'));
        diag sprintf('redis: C (H2PushLearnMaxEntries 100) after %d distinct queries: '
                     . '%s keys (before %d); stored %s, evicted %s', $N, $keys, $keys0,
                     $dc->{'learned.stored'} // '?', $dc->{'learned.evicted'} // '?');
        cmp_ok($keys, '<=', $keys0 + 100, "bounded: at most 100 keys more than before");
        is($dc->{'learned.stored'}, $N, "bounded: learned.stored +$N") or diag explain $dc;
        cmp_ok($dc->{'learned.evicted'} // 0, '>=', $N - 100,
               'bounded: learned.evicted counts the rest');
        my $last = hint_h1(port => $port{C}, path => "/page.html?q=$N",
                           headers => ['Host: capped.example']);
        is_deeply($last->{hint}, [$LINK], "bounded: the last learned (?q=$N) is still replayed");
        my $first = hint_h1(port => $port{C}, path => '/page.html?q=1',
                            headers => ['Host: capped.example']);
        is($first->{n103}, 0, 'bounded: the least recently learned (?q=1) was evicted')
            or diag explain $first->{hint};
    }
}

# stop everything, bounded
for my $name (qw(apache-A apache-B apache-C redis)) {
    next unless H2PushTest::spawned_pid($name);
    ok(stop_spawned($name), "$name stopped");
}
ok(!IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $rport, Proto => 'tcp'),
   'redis port closed');

done_testing();
