# Which parent responses may push: GET with a final 2xx/3xx other than 304.
# HEAD, 304 (If-None-Match, If-Modified-Since) and 404 push nothing.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use H2PushTest qw(:all);

my $page = '/elig/page.html';   # Link /elig/e.css + static /elig/s.css
my $cond = '/elig/cond.html';   # Link /elig/c.css

# GET: the positive control
{
    my $log = nghttp(vhost => 'h2tls', paths => [$page]);
    is($log->status($log->sid_of($page)), 200, 'GET: 200');
    promised_ok($log, $page, ['/elig/e.css', '/elig/s.css'], 'GET: pushed');
}

# HEAD
{
    my($log, $d) = counted(sub { nghttp(vhost => 'h2tls', paths => [$page], method => 'HEAD') });
    is($log->status($log->sid_of($page)), 200, 'HEAD: 200');
    promised_ok($log, $page, [], 'HEAD: nothing promised');
    is($d->{promised}, 0, 'HEAD: status promised +0') or diag explain $d;
    ok(($d->{'skipped.not-eligible-request'} // 0) >= 1,
       'HEAD: status not-eligible-request moved') or diag explain $d;
}

# 304
{
    my $get = nghttp(vhost => 'h2c', paths => [$cond]);
    my $sid = $get->sid_of($cond);
    is($get->status($sid), 200, 'cond GET: 200');
    promised_ok($get, $cond, ['/elig/c.css'], 'cond GET: pushed');
    my($etag) = $get->header($sid, 'etag');
    my($lm)   = $get->header($sid, 'last-modified');
    ok($etag && $lm, 'cond GET: ETag and Last-Modified');

    for my $h (["if-none-match: " . ($etag // '"x"')],
               ["if-modified-since: " . ($lm // 'Thu, 01 Jan 2026 00:00:00 GMT')]) {
        my $log = nghttp(vhost => 'h2c', paths => [$cond], headers => $h);
        my $name = (split /:/, $h->[0])[0];
        is($log->status($log->sid_of($cond)), 304, "$name: 304") or diag $log->summary;
        promised_ok($log, $cond, [], "$name: nothing promised");
    }
    # a 304 for a page with a static list too
    my $g2 = nghttp(vhost => 'h2tls', paths => [$page]);
    my($et2) = $g2->header($g2->sid_of($page), 'etag');
    my $log = nghttp(vhost => 'h2tls', paths => [$page],
                     headers => ["if-none-match: " . ($et2 // '"x"')]);
    is($log->status($log->sid_of($page)), 304, 'static list + if-none-match: 304');
    promised_ok($log, $page, [], 'static list + if-none-match: nothing promised');
}

# 404
for my $p ('/elig/missing.html', '/elig/gone.asis') {
    my $log = nghttp(vhost => 'h2tls', paths => [$p]);
    my $sid = $log->sid_of($p);
    is($log->status($sid), 404, "$p: 404");
    ok(scalar($log->links_to($sid, '/elig/e.css')), "$p: the Link is in the 404")
        or diag $log->summary;
    promised_ok($log, $p, [], "$p: nothing promised");
}

# Internal redirect (mod_dir: /elig/dir/ -> index.html): the final request
# pushes, once
{
    my $log = nghttp(vhost => 'h2tls', paths => ['/elig/dir/']);
    is($log->status($log->sid_of('/elig/dir/')), 200, 'directory index: 200');
    promised_ok($log, '/elig/dir/', ['/elig/d.css'], 'directory index: pushed once');
}

# A pushed response pushes nothing itself (/elig/dir/ pushed as a resource
# would carry the static list of its location)
{
    my $log = nghttp(vhost => 'h2tls', paths => ['/elig/pushdir.html']);
    promised_ok($log, '/elig/pushdir.html', ['/elig/dir/'], 'pushdir: /elig/dir/ pushed');
    my $ps = $log->pushed_stream('/elig/dir/');
    is($ps && $ps->{status}, 200, 'pushdir: pushed index answered 200');
    my @nested = grep { $_->{parent} % 2 == 0 } $log->promises;
    is(scalar @nested, 0, 'no PUSH_PROMISE on a pushed stream') or diag $log->summary;
}

done_testing();
