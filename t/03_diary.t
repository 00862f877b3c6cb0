# The per-connection push diary: a resource is pushed at most once per
# connection (H2PushDiaryEntries, default 256); 0 turns it off.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use H2PushTest qw(:all);

my $css = '/diary/d.css';
my @pages = ('/diary/page.html?1', '/diary/page.html?2');

# Same page twice on one connection: promised once
{
    my($log, $d) = counted(sub { nghttp(vhost => 'h2tls', paths => \@pages) });
    my @sids = map { $log->sid_of($_) } @pages;
    is_deeply([map { $log->status($_) } @sids], [200, 200], 'both answered 200')
        or diag $log->summary;
    is_deeply([$log->promised_paths], [$css], 'one connection: promised once')
        or diag $log->summary;
    my @states = sort map { link_state($log, $_, $css) } @sids;
    is_deeply(\@states, ['nopush', 'plain'],
              'the other response lists it with nopush') or diag $log->summary;
    # the promise rides on the response whose Link stayed plain
    my($plain) = grep { link_state($log, $_, $css) eq 'plain' } @sids;
    is_deeply([$plain ? $log->promised_paths($plain) : ()], [$css],
              'promised on the stream whose Link is plain');
    is($d->{'skipped.diary'}, 1, 'status: diary +1') or diag explain $d;
    is($d->{promised}, 1, 'status: promised +1') or diag explain $d;
}

# A new connection pushes again
{
    my $log = nghttp(vhost => 'h2tls', paths => ['/diary/page.html?3']);
    promised_ok($log, '/diary/page.html?3', [$css], 'new connection: pushed again');
}

# Three times, sequential ids: still only once
{
    my @p = map { "/diary/page.html?x$_" } 1 .. 3;
    my $log = nghttp(vhost => 'h2tls', paths => \@p);
    is_deeply([$log->promised_paths], [$css], 'three requests: promised once')
        or diag $log->summary;
}

# H2PushDiaryEntries 0 (h2c vhost): pushed for each response
{
    my $log = nghttp(vhost => 'h2c', paths => \@pages);
    is_deeply([$log->promised_paths], [$css, $css],
              'diary off: promised for both responses') or diag $log->summary;
}

# The same resource twice in one response: promised once
{
    my($log, $d) = counted(sub { nghttp(vhost => 'h2c', paths => ['/diary/dup.html']) });
    promised_ok($log, '/diary/dup.html', [$css], 'duplicate link: promised once');
    is($d->{'skipped.duplicate'}, 1, 'status: duplicate +1') or diag explain $d;
}

done_testing();
