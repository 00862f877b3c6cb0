# Harness self-check: the clients work against both h2 vhosts and the
# nghttp frame-log parser sees a push of a plain preload Link (which
# mod_http2 alone and mod_h2push both push).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use H2PushTest qw(:all);

for my $vhost (qw(h2tls h2c)) {
    my $log = nghttp(vhost => $vhost, paths => ['/selfcheck.html']);
    my $sid = $log->sid_of('/selfcheck.html');
    ok($log->ok, "$vhost: nghttp exits 0") or diag $log->summary;
    is($sid, 13, "$vhost: first request is stream 13");
    is($log->status($sid), 200, "$vhost: status 200");
    # promised as configured, with the as= the lookup found for a CSS file
    is_deeply([$log->links($sid)], ['</assets/x.css>; rel=preload; as=style'],
              "$vhost: one Link, as configured") or diag $log->summary;
    is_deeply([$log->promised_paths($sid)], ['/assets/x.css'],
              "$vhost: /assets/x.css promised on stream 13")
        or diag $log->summary;
    my($p) = $log->promises($sid);
    ok($p && $p->{promised} && $p->{promised} % 2 == 0,
       "$vhost: promised stream id is even");
    my $pi = $log->frame_index(type => 'PUSH_PROMISE', stream => $sid,
                               path => '/assets/x.css');
    my $hi = $log->frame_index(dir => 'recv', type => 'HEADERS',
                               stream => $sid, status => 200);
    ok(defined $pi && defined $hi && $pi < $hi,
       "$vhost: PUSH_PROMISE before the parent's HEADERS");
    my $ps = $p ? $log->{streams}{$p->{promised}} : undef;
    is($ps && $ps->{status}, 200, "$vhost: pushed stream answered 200");
    is($log->data_len($p ? $p->{promised} : 0),
       -s htdocs_file('/assets/x.css'), "$vhost: pushed DATA length = file size");
    is($log->data_len($sid), -s htdocs_file('/selfcheck.html'),
       "$vhost: parent DATA length = file size");
}

# --no-push: no PUSH_PROMISE at all
my $np = nghttp(vhost => 'h2tls', paths => ['/selfcheck.html'], no_push => 1);
is(scalar $np->promises, 0, '--no-push: no PUSH_PROMISE') or diag $np->summary;
is($np->status($np->sid_of('/selfcheck.html')), 200, '--no-push: 200');

done_testing();
