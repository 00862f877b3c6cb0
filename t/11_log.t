# H2PUSH_PROMISED / H2PUSH_PATHS / H2PUSH_HINTED in CustomLog, and the debug
# decision lines.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use H2PushTest qw(:all);

my $tag = "t$$" . time;

# /log/page.html: static /log/l2.js, Links /log/l1.css and /log/nothere.css
{
    my $amark = log_mark('h2push_log');
    my $emark = log_mark('error_log');
    my $path = "/log/page.html?$tag";
    my $log = nghttp(vhost => 'h2tls', paths => [$path]);
    promised_ok($log, $path, ['/log/l1.css', '/log/l2.js'], 'pushed');

    my $alog = wait_log('h2push_log', $amark, qr/\Q$path\E/);
    my($line) = grep { /\Q$path\E/ } split /\n/, $alog;
    ok($line, 'access log line written') or diag $alog;
    $line //= '';
    like($line, qr/ promised=2 /, 'H2PUSH_PROMISED=2');
    like($line, qr/ hinted=0$/, 'H2PUSH_HINTED=0 for a push client');
    my($paths) = $line =~ /paths="([^"]*)"/;
    is_deeply([sort split ' ', $paths // ''], ['/log/l1.css', '/log/l2.js'],
              'H2PUSH_PATHS lists the promised paths');

    my $elog = wait_log('error_log', $emark, qr/nothere\.css.*result=skipped/);
    like($elog, qr{h2push decision: source=static target=</log/l2\.js> path=/log/l2\.js result=promised},
         'debug line: static entry promised');
    like($elog, qr{h2push decision: source=link target=</log/l1\.css> path=/log/l1\.css result=promised},
         'debug line: link promised');
    like($elog, qr{h2push decision: source=link target=</log/nothere\.css> path=/log/nothere\.css result=skipped reason=not-found},
         'debug line: missing target skipped, with reason');
}

# A client without push: nothing promised
{
    my $amark = log_mark('h2push_log');
    my $emark = log_mark('error_log');
    my $path = "/log/page.html?$tag-nopush";
    my $log = nghttp(vhost => 'h2c', paths => [$path], no_push => 1);
    is(scalar $log->promises, 0, 'no push: nothing promised');
    my $alog = wait_log('h2push_log', $amark, qr/\Q$path\E/);
    my($line) = grep { /\Q$path\E/ } split /\n/, $alog;
    like($line // '', qr/ promised=0 paths="-?"/, 'no push: H2PUSH_PROMISED=0, no paths')
        or diag $alog;
    my $elog = wait_log('error_log', $emark, qr/l1\.css.*reason=client-disabled/);
    like($elog, qr{source=link target=</log/l1\.css> .*result=skipped reason=client-disabled},
         'no push: debug line says client-disabled');
}

# A client that takes no pushes, HTTP/1.1, H2PushEarlyHints on: the static
# list /hints/a.css and /hints/b.js hinted in a 103
{
    my $amark = log_mark('h2push_log');
    my $path = "/hints/on/page.html?$tag-hinted";
    my $res = H2PushTest::http(vhost => 'main', path => $path);
    like($res->{raw_headers}, qr{^HTTP/1\.1 103}m, 'HTTP/1.1: a 103 went out');
    my $alog = wait_log('h2push_log', $amark, qr/\Q$path\E/);
    my($line) = grep { /\Q$path\E/ } split /\n/, $alog;
    like($line // '', qr/ promised=0 .* hinted=2$/, 'H2PUSH_HINTED=2, H2PUSH_PROMISED=0')
        or diag $alog;
}

done_testing();
