# SetHandler h2push-status: counters of all children, HTML and ?json.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use H2PushTest qw(:all);
use JSON::PP ();

my @reasons = qw(nopush diary not-same-origin bad-link not-found forbidden
                 too-large over-limit client-disabled not-eligible-request
                 duplicate links-off self generated);

# JSON shape
{
    my $res = H2PushTest::http(vhost => 'main', path => '/h2push-status?json');
    is($res->{status}, 200, 'json: 200');
    like(join(',', H2PushTest::header_values($res, 'content-type')),
         qr{^application/json}, 'json: content-type');
    my $j = eval { JSON::PP->new->decode($res->{body}) };
    ok($j && ref $j eq 'HASH', 'json: parses') or diag $res->{body};
    $j ||= {};
    is_deeply([sort keys %$j],
              [sort qw(responses links promised hinted skipped hints learned preload
                       channel)],
              'json: top-level keys');
    is_deeply([sort keys %{ $j->{preload} || {} }],
              [sort qw(requests links promised hinted nested bad_header bad_json
                       too_large no_match)],
              'json: preload keys');
    is_deeply([sort keys %{ $j->{channel} || {} }],
              [sort qw(published pushed sse replayed dropped missed refused
                       subscribed subscribers)],
              'json: channel keys (push channels, t/39_channel.t)');
    is_deeply([sort keys %{ $j->{hints} || {} }], [sort qw(sent links html_links)],
              'json: hints keys');
    is_deeply([sort keys %{ $j->{learned} || {} }],
              [sort qw(stored replaced expired evicted failed refused)],
              'json: learned keys');
    is_deeply([sort keys %{ ($j->{learned} || {})->{refused} || {} }],
              [sort qw(private no-store set-cookie vary authorization cookie
                       user client-cert query host status)],
              'json: learned.refused keys');
    is_deeply([sort keys %{ $j->{skipped} || {} }], [sort @reasons],
              'json: skipped keys');
    my $learned = $j->{learned} || {};
    my @nonint = grep { !defined $_ || ref $_ || $_ !~ /^\d+$/ }
        map({ $j->{$_} } qw(responses links promised hinted)),
        map({ ($j->{skipped} || {})->{$_} } @reasons),
        map({ $learned->{$_} } grep { $_ ne 'refused' } keys %$learned),
        values %{ $learned->{refused} || {} };
    is_deeply(\@nonint, [], 'json: every counter is a whole number');
    like($res->{body},
         qr/^\{"responses":\d+,"links":\d+,"promised":\d+,"hinted":\d+,"skipped":\{/,
         'json: field order as documented');
}

# Deltas for one known response (h2c): static /log/l2.js promised, Link
# /log/l1.css promised, Link /log/nothere.css not found
{
    my $before = status_json();
    my $log = nghttp(vhost => 'h2c', paths => ['/log/page.html']);
    my $after = status_json();
    my $d = status_delta($before, $after);
    promised_ok($log, '/log/page.html', ['/log/l1.css', '/log/l2.js'], 'page pushed');
    is($d->{promised}, 2, 'delta promised 2') or diag explain $d;
    is($d->{'skipped.not-found'}, 1, 'delta not-found 1');
    is($d->{links}, 3, 'delta links 3 (2 Link + 1 static)');
    ok(($d->{responses} // 0) >= 1, 'delta responses >= 1');
    my @other = grep { $_ ne 'not-found' && ($d->{"skipped.$_"} // 0) != 0 } @reasons;
    is_deeply(\@other, [], 'no other skip counter moved') or diag explain $d;
    # and nothing moves for a request without links
    my $b2 = status_json();
    H2PushTest::http(vhost => 'main', path => '/assets/x.css?nolinks');
    my $d2 = status_delta($b2, status_json());
    my @moved = grep { $_ ne 'responses' && $d2->{$_} } sort keys %$d2;
    is_deeply(\@moved, [], 'a response without links moves only "responses"')
        or diag explain $d2;
}

# Counters are shared by all children: many connections, all counted
{
    my $before = status_json();
    my $emark = log_mark('error_log');
    my $n = 0;
    for my $i (1 .. 6) {
        my $log = nghttp(vhost => 'h2tls', paths => ['/selfcheck.html']);
        $n += scalar $log->promises;
    }
    my $d = status_delta($before, status_json());
    is($n, 6, '6 connections, 6 pushes');
    is($d->{promised}, 6, 'status counted all 6') or diag explain $d;
    my %pids = map { $_ => 1 }
        log_since('error_log', $emark) =~ /\[pid (\d+):tid \d+\][^\n]*h2push decision/g;
    note(scalar(keys %pids) . ' child process(es) made those decisions');
}

# HTML
{
    my $res = H2PushTest::http(vhost => 'main', path => '/h2push-status');
    is($res->{status}, 200, 'html: 200');
    like(join(',', H2PushTest::header_values($res, 'content-type')), qr{^text/html},
         'html: content-type');
    like($res->{body}, qr/<html/i, 'html: an HTML document');
    like($res->{body}, qr/promised/i, 'html: shows the promised counter');
    like($res->{body}, qr/not-same-origin/, 'html: shows the skip reasons');
    my $h2 = H2PushTest::http(vhost => 'h2tls', path => '/h2push-status?json', http => '2');
    is($h2->{status}, 200, 'the status page answers on the h2 vhost too');
}

done_testing();
