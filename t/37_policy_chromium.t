# rel=modulepreload in a 103, in a real browser (issue 11, item 8).
#
# Headless Chromium loads pages of cgi-bin/pol-eh-page.cgi (sleeps 1 s,
# then HTML with <script type="module" src="/pol/eh/m.js">) from
# <VirtualHost h2browser> (TLS h2, H2EarlyHints on) through t/relay.py, as
# t/20_chromium.t does.  Each case's <Location> in t/conf/policy.conf.in
# has mod_http2's H2EarlyHint send a 103 before the CGI runs; mod_h2push
# decides that 103's links (source "interim") and passes them on in the
# form it hints them in.
#
# For each case:
#   - nghttp --no-push (through the relay): exactly one 103, before the
#     200, with the Link the module hints (the exact link-value);
#   - Chromium's Resource Timing: m.js once, with initiatorType
#     "early-hints" when the 103 preloaded it and "script" otherwise; the
#     module ran;
#   - the access log logs/eh_log: m.js requested once, before the CGI
#     finished when hinted (only after its 1 s sleep otherwise).
#
# Cases: "modulepreload" is what the module sends to a client that does
# not take pushes for a rel=modulepreload link; "preload-script-cors"
# is the CORS-mode script preload (what a module script is fetched as);
# "none" the control.  No retries: a failed run fails.
#
# Found with Debian's Chromium 156: it acts on both forms in a 103 (the
# module script is requested about 0.1-0.3 s into the CGI's 1 s sleep,
# initiatorType "early-hints"), so the module hints a modulepreload as it
# came.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use File::Spec ();
use H2PushTest ();
use H2PushChromium qw(:all);

my $CGI = '/cgi-bin/pol-eh-page.cgi';
my $JS  = '/pol/eh/m.js';

#   case    PATH_INFO of the page, the <Location> in t/conf/policy.conf.in
#   link    the link-value the 103 must carry (undef: no 103)
#   type    the initiatorType of m.js in Resource Timing
my @pages = (
    { case => 'modulepreload', link => "<$JS>; rel=modulepreload",
      type => 'early-hints' },
    { case => 'preload-script-cors',
      link => "<$JS>; rel=preload; as=script; crossorigin",
      type => 'early-hints' },
    { case => 'none', link => undef, type => 'script' },
);

H2PushChromium::run_pages(\&run_page, @pages);
done_testing();

sub run_page {
    my($p, $pin, $relay) = @_;
    my $case = $p->{case};
    my $path = "$CGI/$case";

    # the server's 103, without the browser
    my $emark = H2PushTest::log_mark();
    my($blocks, $raw) = nghttp_blocks(port => $relay->port, path => $path);
    my @dec = map { "$_->{source} $_->{path} $_->{result}" }
              H2PushTest::adv_decisions(H2PushTest::log_since('error_log', $emark));
    is_deeply(\@dec, defined $p->{link} ? ["interim $JS hinted"] : [],
              "$case: " . (defined $p->{link} ? 'mod_h2push decided the 103 link (interim, hinted)'
                                              : 'no decision')) or diag explain \@dec;
    my @st = map { $_->{status} // '?' } @$blocks;
    is("@st", defined $p->{link} ? '103 200' : '200',
       "$case: nghttp --no-push sees " . (defined $p->{link} ? '103 then 200' : '200 only'))
        or diag $raw;
    if (defined $p->{link}) {
        my @links = map { H2PushTest::split_link_values($_->[1]) }
                    grep { $_->[0] eq 'link' }
                    @{ @$blocks && ($blocks->[0]{status} // '') eq '103'
                       ? $blocks->[0]{headers} : [] };
        is_deeply(\@links, [$p->{link}], "$case: the 103 carries $p->{link}")
            or diag $raw;
    }

    # the browser
    my $mark = H2PushTest::log_mark('eh_log');
    my $origin = 'https://127.0.0.1:' . $relay->port;
    my $run = dump_dom(url => "$origin$path", pin => $pin, timeout => 60);
    my $j = page_result($run->{dom});
    ok($run->{rc} == 0 && $j && !$j->{error},
       sprintf('%s: Chromium loaded the page (%.1f s)', $case, $run->{secs}))
        or diag "cmd: $run->{cmd}\nrc: $run->{rc}\nDOM: "
                . substr($run->{dom} // '', 0, 2000);
    $j ||= {};
    my $nav = $j->{navigation} || {};
    is($nav->{nextHopProtocol}, 'h2', "$case: the page came over h2");
    if (defined $p->{link}) {
        cmp_ok($nav->{firstInterimResponseStart} // 0, '>', 0,
               "$case: firstInterimResponseStart > 0 (a 103 arrived)")
            or diag explain $nav;
    }
    cmp_ok($nav->{finalResponseHeadersStart} // 0, '>=', 1000,
           "$case: finalResponseHeadersStart >= 1000 ms (the CGI's sleep)")
        or diag explain $nav;
    my @got = map {
        (my $n = $_->{name} // '') =~ s/^\Q$origin\E//;
        "$n " . ($_->{initiatorType} // '?')
    } @{ $j->{resources} || [] };
    is_deeply(\@got, ["$JS $p->{type}"],
              "$case: $JS once, initiatorType $p->{type}")
        or diag explain $j->{resources};
    ok($j->{scriptRan}, "$case: the module script ran");

    # the access log: when did m.js arrive?
    my $text = H2PushTest::wait_log('eh_log', $mark,
        qr{\Q"GET $path \E.*\n(?s:.*)\Q"GET $JS \E|\Q"GET $JS \E.*\n(?s:.*)\Q"GET $path \E}, 5);
    my @log = @{ eh_log($text) };
    my @cgi = grep { $_->{path} eq $path } @log;
    my @js  = grep { $_->{path} eq $JS } @log;
    is(scalar @cgi, 1, "$case: one request for the page") or diag $text;
    is(scalar @js, 1, "$case: one request for $JS") or diag $text;
    return unless @cgi == 1 && @js == 1;
    my $when = sprintf('at +%.0f ms; the CGI took %.0f ms',
                       ($js[0]{start} - $cgi[0]{start}) / 1000, $cgi[0]{dur} / 1000);
    if ($p->{type} eq 'early-hints') {
        cmp_ok($js[0]{start}, '<', $cgi[0]{end},
               "$case: $JS requested before the CGI finished ($when)");
    }
    else {
        cmp_ok($js[0]{start}, '>=', $cgi[0]{start} + 1_000_000,
               "$case: $JS requested only after the CGI's sleep ($when)");
    }
}
