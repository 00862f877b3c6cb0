# 103 Early Hints in a real browser: headless Debian Chromium loads a page
# whose HTML comes from a CGI that sleeps 1 s (cgi-bin/eh-page.cgi); the
# page's hint source (a <Location> in the "browser Early Hints" block of
# t/conf/extra.conf.in) sends a 103 before the CGI runs.  Chromium talks to
# <VirtualHost h2browser> (TLS h2, H2EarlyHints on) through t/relay.py
# (15 ms each way: on bare loopback the 103 can arrive before Chromium's
# request is ready for it and is then dropped).
#
# For each page of @pages:
#   - nghttp --no-push (for hinted pages), through the relay too (the same
#     authority as Chromium's: learned hints are keyed by it): a 103 with
#     the preload links comes before the final 200 (server side, without
#     the browser);
#   - Chromium's Resource Timing, written into the DOM by the page's load
#     handler: each subresource once, with the expected initiatorType
#     ("early-hints" when the 103 preload served it), the navigation entry's
#     firstInterimResponseStart (> 0 with a 103, 0 without) and
#     finalResponseHeadersStart (>= 1000 ms: the CGI's sleep);
#   - the access log logs/eh_log (start and duration in microseconds): each
#     subresource requested exactly once, and a hinted one requested before
#     the CGI request finished (an unhinted one only after the CGI's 1 s
#     sleep: it cannot be known before the HTML exists).
# No retries: a failed run fails.  Chromium missing is a failure, not a skip.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use File::Spec ();
use JSON::PP ();
use Time::HiRes ();
use H2PushTest ();
use H2PushChromium qw(:all);

my $CGI = '/cgi-bin/eh-page.cgi';

# One entry per case; adding a case = an entry here + (for a new hint
# source) a <Location /cgi-bin/eh-page.cgi/<case>> in t/conf/extra.conf.in.
#   case    the PATH_INFO of the page: /cgi-bin/eh-page.cgi/<case>
#   res     [url-path, expected initiatorType] for each subresource the page
#           links (in this order); "early-hints" = preloaded from the 103
#   warmup  (optional) GETs of the page before the browser run (nghttp
#           --no-push through the relay), e.g. for learned hints
my @pages = (
    # mod_http2's H2EarlyHint: the reference the module must match
    { case => 'native',
      res  => [['/eh/a.css', 'early-hints'], ['/eh/b.js', 'early-hints']] },
    # mod_h2push: H2PushEarlyHints + its static list (as= from the lookup)
    { case => 'h2push-static',
      res  => [['/eh/a.css', 'early-hints'], ['/eh/b.js', 'early-hints']] },
    # mod_h2push: hints learned from the page's previous response
    { case => 'h2push-learned', warmup => 1,
      res  => [['/eh/a.css', 'early-hints'], ['/eh/b.js', 'early-hints']] },
    # control: no hint source, so the assertions can tell the difference
    { case => 'none',
      res  => [['/eh/a.css', 'link'], ['/eh/b.js', 'script']] },
);

H2PushChromium::run_pages(\&run_page, @pages);
done_testing();

sub run_page {
    my($p, $pin, $relay) = @_;
    my $case = $p->{case};
    my @res = @{ $p->{res} };
    my $query = join '&', map { "r=$_->[0]" } @res;
    my $path = "$CGI/$case?$query";
    my $hinted = grep { $_->[1] eq 'early-hints' } @res;

    for (1 .. ($p->{warmup} || 0)) {
        my($blocks, $raw) = nghttp_blocks(port => $relay->port, path => $path);
        ok(@$blocks && ($blocks->[-1]{status} // '') eq '200', "$case: warm-up GET $_")
            or diag $raw;
    }

    # The server sends the 103 (checked without the browser first).
    if ($hinted) {
        my($blocks, $raw) = nghttp_blocks(port => $relay->port, path => $path);
        my @st = map { $_->{status} // '?' } @$blocks;
        is("@st", '103 200', "$case: nghttp sees 103 then 200") or diag $raw;
        my @links = map { H2PushTest::split_link_values($_->[1]) }
                    grep { $_->[0] eq 'link' }
                    @{ (@$blocks && ($blocks->[0]{status} // '') eq '103')
                       ? $blocks->[0]{headers} : [] };
        for my $r (grep { $_->[1] eq 'early-hints' } @res) {
            ok(scalar(grep { /^<\Q$r->[0]\E>.*;\s*rel="?preload/ } @links),
               "$case: the 103 has a preload link to $r->[0]")
                or diag explain \@links;
        }
    }

    # The browser.
    my $mark = H2PushTest::log_mark('eh_log');
    my $origin = 'https://127.0.0.1:' . $relay->port;
    my $run = dump_dom(url => "$origin$path", pin => $pin, timeout => 60);
    my $j = page_result($run->{dom});
    ok($run->{rc} == 0 && $j && !$j->{error},
       sprintf("%s: Chromium loaded the page (%.1f s)", $case, $run->{secs}))
        or do { # without the harmless noise: DBus, the wrapper's /dev/shm check
                my $err = join "\n", grep { !/dbus|unexpected operator/i }
                                      split /\n/, $run->{err};
                diag "cmd: $run->{cmd}\nrc: $run->{rc}\nstderr: $err";
                diag 'DOM: ' . substr($run->{dom} // '', 0, 3000); };
    $j ||= {};
    my $nav = $j->{navigation} || {};
    is($nav->{nextHopProtocol}, 'h2', "$case: the page came over h2");
    if ($hinted) {
        cmp_ok($nav->{firstInterimResponseStart} // 0, '>', 0,
               "$case: firstInterimResponseStart > 0 (a 103 arrived)")
            or diag explain $j;
    }
    else {
        is($nav->{firstInterimResponseStart} // -1, 0,
           "$case: firstInterimResponseStart == 0 (no 103)") or diag explain $j;
    }
    cmp_ok($nav->{finalResponseHeadersStart} // 0, '>=', 1000,
           "$case: finalResponseHeadersStart >= 1000 ms (the CGI's sleep)")
        or diag explain $nav;

    my @got = sort map {
        (my $n = $_->{name} // '') =~ s/^\Q$origin\E//;
        "$n " . ($_->{initiatorType} // '?')
    } @{ $j->{resources} || [] };
    is_deeply(\@got, [sort map { "$_->[0] $_->[1]" } @res],
              "$case: resource entries and their initiatorType")
        or diag explain $j->{resources};
    is($j->{cssApplied}, '123px', "$case: the stylesheet applied");
    ok($j->{scriptRan}, "$case: the script ran");
    note "$case: " . JSON::PP->new->canonical->encode($j) if %$j;

    # The access log: when did the subresource requests arrive?
    # (a line is written when its request ends: wait, bounded, for all)
    my @need = ("$CGI/$case", map { $_->[0] } @res);
    my $text = '';
    my $deadline = Time::HiRes::time() + 5;
    while (1) {
        $text = H2PushTest::log_since('eh_log', $mark);
        my %seen = map { ($_->{path} => 1) } @{ eh_log($text) };
        last if !grep { !$seen{$_} } @need;
        last if Time::HiRes::time() > $deadline;
        Time::HiRes::sleep(0.05);
    }
    my @log = @{ eh_log($text) };
    my @cgi = grep { $_->{path} eq "$CGI/$case" } @log;
    is(scalar @cgi, 1, "$case: one request for the page in eh_log") or diag $text;
    my $cgi = $cgi[0] || { start => 0, end => 0, dur => 0, status => 0 };
    is($cgi->{status}, 200, "$case: page 200");
    cmp_ok($cgi->{dur}, '>=', 1_000_000, "$case: the CGI took >= 1 s");
    for my $r (@res) {
        my($rp, $type) = @$r;
        my @e = grep { $_->{path} eq $rp } @log;
        is(scalar @e, 1, "$case: $rp requested once") or diag $text;
        next unless @e;
        is($e[0]{status}, 200, "$case: $rp 200");
        my $when = sprintf('at +%.0f ms; the CGI took %.0f ms',
                           ($e[0]{start} - $cgi->{start}) / 1000, $cgi->{dur} / 1000);
        if ($type eq 'early-hints') {
            cmp_ok($e[0]{start}, '<', $cgi->{end},
                   "$case: $rp requested before the CGI finished ($when)")
                or diag $text;
        }
        else {
            # without a hint it cannot be asked for before the HTML exists,
            # which is after the CGI's 1 s sleep
            cmp_ok($e[0]{start}, '>=', $cgi->{start} + 1_000_000,
                   "$case: $rp requested only after the CGI's sleep ($when)")
                or diag $text;
        }
    }
}
