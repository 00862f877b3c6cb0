# H2PushMax (pushes per response) and H2PushLinks off.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use H2PushTest qw(:all);

my @all = map { "/max/$_.css" } 1 .. 5;

# H2PushMax 2 with 5 links (on three Link lines)
{
    my($log, $d) = counted(sub { nghttp(vhost => 'h2tls', paths => ['/max/page.html']) });
    my $sid = $log->sid_of('/max/page.html');
    is($log->status($sid), 200, 'H2PushMax 2: 200');
    my @p = $log->promised_paths($sid);
    is(scalar @p, 2, 'H2PushMax 2: exactly 2 promises') or diag $log->summary;
    is_deeply(\@p, [@all[0, 1]], 'H2PushMax 2: the first two in header order');
    my %promised = map { $_ => 1 } @p;
    my @wrong = grep {
        link_state($log, $sid, $_) ne ($promised{$_} ? 'plain' : 'nopush')
    } @all;
    is_deeply(\@wrong, [], 'H2PushMax 2: the rest are listed with nopush')
        or diag $log->summary;
    is($d->{'skipped.over-limit'}, 3, 'status: over-limit +3') or diag explain $d;
    is($d->{promised}, 2, 'status: promised +2') or diag explain $d;
}

# Default H2PushMax 10 with 12 links
{
    my $log = nghttp(vhost => 'h2c', paths => ['/max/default.html']);
    is(scalar($log->promises), 10, 'default H2PushMax: 10 of 12 promised')
        or diag $log->summary;
}

# H2PushLinks off: Link headers are not pushed (nopush added); the static
# list still is
{
    my($log, $d) = counted(sub { nghttp(vhost => 'h2tls', paths => ['/links-off/page.html']) });
    my $sid = $log->sid_of('/links-off/page.html');
    promised_ok($log, '/links-off/page.html', ['/links-off/s.css'],
                'H2PushLinks off: only the static entry promised');
    is(link_state($log, $sid, '/links-off/l.css'), 'nopush',
       'H2PushLinks off: the Link gets nopush') or diag $log->summary;
    is($d->{'skipped.links-off'}, 1, 'status: links-off +1') or diag explain $d;
}

done_testing();
