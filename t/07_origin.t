# Same origin only; relative references resolved against the request.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use H2PushTest qw(:all);

my $page = '/origin/page.html';
# page.html links: //evil.example/x.js, https://other.example/x.js,
# <scheme>://<authority the client sent>/origin/abs.css, rel.css

for my $vhost (qw(h2tls h2c)) {
    my($log, $d) = counted(sub { nghttp(vhost => $vhost, paths => [$page]) });
    my $sid = $log->sid_of($page);
    is($log->status($sid), 200, "$vhost: 200");
    my $self = H2PushTest::scheme_of($vhost) . '://' . H2PushTest::authority($vhost);
    ok(scalar($log->links_to($sid, "$self/origin/abs.css"))
       || scalar($log->links_to($sid, '/origin/abs.css')),
       "$vhost: fixture: the same-origin URL uses the client's authority")
        or diag $log->summary;
    promised_ok($log, $page, ['/origin/abs.css', '/origin/rel.css'],
                "$vhost: same-origin absolute URL and relative ref promised");
    is($d->{'skipped.not-same-origin'}, 2, "$vhost: status not-same-origin +2")
        or diag explain $d;
    is(link_state($log, $sid, '//evil.example/x.js'), 'nopush',
       "$vhost: //evil.example link withheld (nopush)") or diag $log->summary;
    is(link_state($log, $sid, 'https://other.example/x.js'), 'nopush',
       "$vhost: https://other.example link withheld (nopush)");
    is(link_state($log, $sid, '/origin/rel.css'), 'plain',
       "$vhost: relative link listed as its absolute path");
    is(link_state($log, $sid, '/origin/abs.css'), 'plain',
       "$vhost: same-origin URL listed as its absolute path");
    my $ps = $log->pushed_stream('/origin/rel.css');
    is($ps && $ps->{status}, 200, "$vhost: pushed rel.css answered 200");
}

# Scheme mismatch (http:// link on an https request); dot-segments
{
    my $log = nghttp(vhost => 'h2tls', paths => ['/origin/scheme.html']);
    promised_ok($log, '/origin/scheme.html', ['/origin/rel.css'],
                'http:// URL on https not promised; sub/../rel.css resolved');
}

done_testing();
