# H2PushVerify (default on): only what the pushed request (GET, no
# Authorization, no Cookie) would get as 200 is promised.  Every page also
# links /verify/ok.css, which must be pushed (positive control).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use H2PushTest qw(:all);
use MIME::Base64 ();

my $ok = '/verify/ok.css';
my $auth = 'authorization: Basic ' . MIME::Base64::encode_base64('pusher:secret', '');

# [ page, withheld target, counter, extra nghttp headers ]
my @cases = (
    ['/verify/missing.html',      '/verify/nothere.css',   'not-found', []],
    ['/verify/denied.html',       '/verify/denied/x.css',  'forbidden', []],
    ['/verify/big.html',          '/verify/big.bin',       'too-large', []],
    ['/verify/private/page.html', '/verify/private/p.css', 'forbidden', [$auth]],
);

for my $c (@cases) {
    my($page, $target, $counter, $hdrs) = @$c;
    my($log, $d) = counted(sub { nghttp(vhost => 'h2tls', paths => [$page], headers => $hdrs) });
    my $sid = $log->sid_of($page);
    is($log->status($sid), 200, "$page: 200");
    promised_ok($log, $page, [$ok], "$page: only $ok promised, not $target");
    is(link_state($log, $sid, $target), 'nopush', "$page: <$target> listed with nopush")
        or diag $log->summary;
    is($d->{"skipped.$counter"}, 1, "$page: status $counter +1") or diag explain $d;
    is($d->{promised}, 1, "$page: status promised +1") or diag explain $d;
}

# Sanity of the fixtures: what the pushed requests would really get
{
    my %want = ('/verify/nothere.css' => 404, '/verify/denied/x.css' => 403,
                '/verify/private/p.css' => 401, '/verify/big.bin' => 200,
                '/verify/ok.css' => 200);
    for my $p (sort keys %want) {
        my $res = H2PushTest::http(vhost => 'h2tls', path => $p, http => '2');
        is($res->{status}, $want{$p}, "fixture: $p answers $want{$p}");
    }
    ok(-s H2PushTest::htdocs_file('/verify/big.bin') > 2048,
       'fixture: big.bin is larger than H2PushMaxSize 2K');
    my $res = H2PushTest::http(vhost => 'h2tls', path => '/verify/private/p.css',
                               http => '2', user => 'pusher:secret');
    is($res->{status}, 200, 'fixture: private/p.css answers 200 with credentials');
}

# Without credentials the parent is a 401: nothing promised
{
    my $log = nghttp(vhost => 'h2tls', paths => ['/verify/private/page.html']);
    is($log->status($log->sid_of('/verify/private/page.html')), 401, 'no credentials: 401');
    is(scalar $log->promises, 0, 'no credentials: nothing promised');
}

# H2PushVerify off: a missing file is promised (and the push is a 404)
{
    my $log = nghttp(vhost => 'h2tls', paths => ['/verify/noverify/page.html']);
    promised_ok($log, '/verify/noverify/page.html', ['/verify/noverify/gone.css'],
                'H2PushVerify off: missing file promised');
    my $ps = $log->pushed_stream('/verify/noverify/gone.css');
    is($ps && $ps->{status}, 404, 'H2PushVerify off: the pushed stream is a 404');
}

done_testing();
