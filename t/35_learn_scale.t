# The default learned store at its size, and across a graceful restart.
# A standalone apache2 of its own (t/logs/scale/; the graceful restart
# touches nothing else) with "H2PushLearn on" and every other learning
# setting at its default (H2PushLearnMaxEntries 10000), H2PushEarlyHints
# on.  10,000 distinct pages /scale/N (one static file through AliasMatch),
# each with a preload Link of its own, </scalecss/N.css> (mod_headers from
# a SetEnvIf capture; one CSS file through AliasMatch):
#   pass 1  each page once: learned;
#   pass 2  the same order: >= 99% of the responses came after a 103 that
#           names exactly the page's own link;
#   graceful restart (SIGUSR1 to the parent; the new generation is there
#           when its error log says "resuming normal operations");
#   pass 3  the same again: what was learned before the restart is still
#           replayed (>= 99%).
# t/h1burst.py sends the requests (HTTP/1.1 keep-alive, one connection,
# strictly in order).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use H2PushTest qw(:all);
use File::Spec ();
use File::Path ();

my $N = 10_000;
my $dir = File::Spec->catdir(Apache::Test::vars('t_logs'), 'scale');
File::Path::rmtree($dir);
File::Path::mkpath("$dir/htdocs");
file_put("$dir/htdocs/page.html", "<!doctype html><title>scale</title><p>one of many\n");
file_put("$dir/htdocs/a.css", "p { color: #456 }\n");

my $port = free_port();
my $srv = apache_standalone(
    dir => $dir, name => 'scale', port => $port,
    modules => ['alias', 'setenvif', 'socache_shmcb'],
    lines => [
        'StartServers 2', 'ServerLimit 4', 'ThreadsPerChild 10',
        'MaxRequestWorkers 40', 'MinSpareThreads 5', 'MaxSpareThreads 40',
        'MaxKeepAliveRequests 0',
        'Protocols h2c http/1.1', 'H2Direct on', 'H2EarlyHints on',
        'H2PushEarlyHints on',
        'H2PushLearn on',
        qq{AliasMatch "^/scale/[0-9]+\$" "$dir/htdocs/page.html"},
        qq{AliasMatch "^/scalecss/[0-9]+\\.css\$" "$dir/htdocs/a.css"},
        'SetEnvIf Request_URI "^/scale/([0-9]+)$" H2P_N=$1',
        '<LocationMatch "^/scale/[0-9]+$">',
        '    Header add Link "</scalecss/%{H2P_N}e.css>; rel=preload"',
        '</LocationMatch>',
    ]);
is($srv->{rc}, 0, 'apache2 -t scale.conf') or diag $srv->{configtest};
ok($srv->{ok}, "the scale server listens on 127.0.0.1:$port")
    or diag file_content("$dir/scale.error_log") // '';

my @paths = map { "/scale/$_" } 1 .. $N;

# one pass: [number of responses with a 103 naming exactly the page's own
# link, 200s, seconds, client errors]
sub run_pass {
    my $b = h1burst(port => $port, requests => \@paths);
    my @r = @{ $b->{results} };
    my($hinted, $ok) = (0, 0);
    for my $i (0 .. $#r) {
        $ok++ if $r[$i]{status} == 200;
        my @t = link_targets(@{ $r[$i]{hints} });
        $hinted++ if $r[$i]{n103} == 1 && "@t" eq '/scalecss/' . ($i + 1) . '.css';
    }
    diag $b->{error} if $b->{error};
    return ($hinted, $ok, $b->{elapsed} // 0, $b->{errors} // scalar @paths);
}

SKIP: {
    skip 'the scale server did not start', 1 unless $srv->{ok};
    my $fx = hint_h1(port => $port, path => '/scale/77');
    is_deeply([link_targets(@{ $fx->{links} })], ['/scalecss/77.css'],
              'fixture: /scale/77 names /scalecss/77.css');
    is(hint_h1(port => $port, path => '/scalecss/77.css')->{status}, 200,
       'fixture: /scalecss/77.css is there');

    my($h1, $ok1, $t1, $e1) = run_pass();
    is($ok1, $N, "pass 1: $N pages answered 200");
    is($e1, 0, 'pass 1: no client error');
    my $c1 = status_json(port => $port) || {};
    diag sprintf('scale pass 1: %d requests in %.2f s; learned.stored %s, evicted %s, failed %s',
                 $N, $t1, map { $c1->{"learned.$_"} // '?' } qw(stored evicted failed));

    my($h2, $ok2, $t2, $e2) = run_pass();
    is($ok2, $N, "pass 2: $N pages answered 200");
    is($e2, 0, 'pass 2: no client error');
    diag sprintf('scale pass 2: %d of %d responses had a 103 with their own link (%.2f%%), %.2f s',
                 $h2, $N, 100 * $h2 / $N, $t2);
    cmp_ok($h2, '>=', 0.99 * $N, 'pass 2: >= 99% replayed in a 103');

    ok(graceful_restart($srv), 'graceful restart: the new generation resumed')
        or diag log_since($srv->{error_log}, 0);
    my($h3, $ok3, $t3, $e3) = run_pass();
    is($ok3, $N, "pass 3 (after the graceful restart): $N pages answered 200");
    is($e3, 0, 'pass 3: no client error');
    diag sprintf('scale pass 3 (after a graceful restart): %d of %d responses had a 103 '
                 . 'with their own link (%.2f%%), %.2f s', $h3, $N, 100 * $h3 / $N, $t3);
    cmp_ok($h3, '>=', 0.99 * $N, 'pass 3: >= 99% replayed in a 103 after the graceful restart');
    my @bad = grep { /AH00052|exit signal|Segmentation fault|\[core:(?:crit|alert|emerg)\]|\[h2push:(?:error|crit)\]/ }
              split /\n/, log_since($srv->{error_log}, 0);
    is_deeply(\@bad, [], 'no crash or error line in the error log');
}

ok(stop_spawned('apache-scale'), 'the scale server stopped');
done_testing();
