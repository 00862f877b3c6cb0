# H2PushEarlyHints: one 103 Early Hints before the handler, for clients
# that do not take pushes (HTTP/1.1, nghttp --no-push), with the static list
# after the policy and as= filled in from the type the lookup found.  Push
# clients get PUSH_PROMISEs from the 103 instead.  Configuration:
# t/conf/hints.conf.in (<VirtualHost h2eh>: h2c + HTTP/1.1, H2EarlyHints on).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use H2PushTest qw(:all);
use File::Spec ();

my $V = 'h2eh';
my $page = '/hints/on/page.html';
my @ab = ('</hints/a.css>; rel=preload; as=style',
          '</hints/b.js>; rel=preload; as=script');

# (link_lines, count_103, blocks_of: H2PushTest::Clients)

# the final HEADERS frame of an nghttp stream, and its 103 HEADERS frames
sub h2_frames {
    my($log, $sid) = @_;
    my @f = defined $sid ? $log->frames(dir => 'recv', type => 'HEADERS', stream => $sid) : ();
    my @h103 = grep { ($_->{status} // '') eq '103' } @f;
    my($final) = grep { ($_->{status} // '') =~ /^[2-5]/ } @f;
    return (\@h103, $final);
}

# --------------------------------------------------------------------------
# HTTP/1.1: exactly one 103 with the exact links, then the 200 with them too
{
    my($r, $d) = counted(sub { curl_v(vhost => $V, path => $page) });
    is($r->{status}, 200, 'HTTP/1.1: 200');
    is(count_103($r), 1, 'HTTP/1.1: exactly one 103') or diag $r->{err};
    is(scalar @{ $r->{blocks} }, 2, 'HTTP/1.1: two header blocks, nothing else')
        or diag blocks_of($r);
    is($r->{blocks}[0] && $r->{blocks}[0]{line}, 'HTTP/1.1 103 Early Hints',
       'HTTP/1.1: the 103 comes first');
    is_deeply([link_lines($r->{blocks}[0])], \@ab,
              'HTTP/1.1: the 103 lists the static list, as= filled in')
        or diag $r->{err};
    is_deeply([link_lines($r->{final})], \@ab,
              'HTTP/1.1: the 200 carries the same Link headers');
    is($r->{body}, file_content(htdocs_file($page)), 'HTTP/1.1: body is the file');
    is($d->{'hints.sent'}, 1, 'status: hints.sent +1') or diag explain $d;
    is($d->{'hints.links'}, 2, 'status: hints.links +2');
    is($d->{hinted}, 2, 'status: hinted +2');
    is($d->{promised}, 0, 'status: promised +0');
}

# as= for every type the module maps; an unknown type gets none; a given
# as= is kept
{
    my $r = curl_v(vhost => $V, path => '/hints/on/types.html');
    is(count_103($r), 1, 'types: one 103');
    my @want = (@ab,
        '</hints/f.woff2>; rel=preload; as=font; crossorigin',
        '</hints/i.png>; rel=preload; as=image',
        '</hints/d.json>; rel=preload; as=fetch; crossorigin',
        '</hints/u.xyz>; rel=preload',
        '</hints/k.bin>; rel=preload; as=fetch');
    is_deeply([link_lines($r->{interim}[0])], \@want, 'types: the 103 links')
        or diag explain [link_lines($r->{interim}[0])];
    is_deeply([link_lines($r->{final})], \@want, 'types: the 200 links');
}

# After the policy: a missing file and one behind authentication are not
# hinted; H2PushMax 1 leaves one; nothing left: no 103 at all
{
    is(curl_v(vhost => $V, path => '/hints/private/p.css')->{status}, 401,
       'fixture: /hints/private/p.css answers 401 without credentials');
    my($r, $d) = counted(sub { curl_v(vhost => $V, path => '/hints/policy/page.html') });
    is($r->{status}, 200, 'policy: 200');
    is(count_103($r), 1, 'policy: one 103') or diag blocks_of($r);
    is_deeply([link_lines($r->{interim}[0])], ['</hints/a.css>; rel=preload; as=style'],
              'policy: only what passed (not missing, not forbidden, H2PushMax 1)')
        or diag explain [link_lines($r->{interim}[0])];
    is($d->{'skipped.not-found'}, 1, 'policy: not-found +1') or diag explain $d;
    is($d->{'skipped.forbidden'}, 1, 'policy: forbidden +1');
    is($d->{'skipped.over-limit'}, 1, 'policy: over-limit +1');
    is($d->{'hints.links'}, 1, 'policy: hints.links +1');

    (my $r2, $d) = counted(sub { curl_v(vhost => $V, path => '/hints/policy/only-missing.html') });
    is($r2->{status}, 200, 'policy, only a missing file listed: 200');
    is(count_103($r2), 0, 'policy, only a missing file listed: no (empty) 103')
        or diag blocks_of($r2);
    is($d->{'hints.sent'}, 0, 'policy, only a missing file listed: hints.sent +0')
        or diag explain $d;
}

# HTTP/2 without push (SETTINGS_ENABLE_PUSH=0): one 103, before the 200
{
    my $log = nghttp(vhost => $V, paths => [$page], no_push => 1);
    my $sid = $log->sid_of($page);
    is($log->status($sid), 200, 'h2 --no-push: 200');
    my @b = h2_blocks($log, $sid, 103);
    is(scalar @b, 1, 'h2 --no-push: exactly one 103 block') or diag $log->summary;
    is_deeply([block_links($b[0])], \@ab, 'h2 --no-push: the 103 links')
        or diag $log->summary;
    my($h103, $final) = h2_frames($log, $sid);
    ok(@$h103 == 1 && $final && $h103->[0]{index} < $final->{index},
       'h2 --no-push: the 103 HEADERS frame precedes the 200 HEADERS')
        or diag $log->summary;
    is(scalar $log->promises, 0, 'h2 --no-push: no PUSH_PROMISE');
    is_deeply([$log->links($sid)], \@ab, 'h2 --no-push: the 200 links');
}

# A push client: PUSH_PROMISEs for the same list, from the 103 (before the
# response HEADERS); the 200 does not repeat what was promised
{
    my($log, $d) = counted(sub { nghttp(vhost => $V, paths => [$page]) });
    my $sid = $log->sid_of($page);
    is($log->status($sid), 200, 'push client: 200');
    promised_ok($log, $page, ['/hints/a.css', '/hints/b.js'],
                'push client: the list is promised');
    my($h103, $final) = h2_frames($log, $sid);
    my @late = grep {
        my $pi = $log->frame_index(type => 'PUSH_PROMISE', path => $_);
        !defined $pi || !$final || $pi > $final->{index}
    } ('/hints/a.css', '/hints/b.js');
    is_deeply(\@late, [], 'push client: PUSH_PROMISEs before the 200 HEADERS')
        or diag $log->summary;
    my @b = h2_blocks($log, $sid, 103);
    is(scalar @b, 1, 'push client: one 103 (forwarded, H2EarlyHints on)');
    is_deeply([block_links($b[0])], \@ab, 'push client: the 103 carried the list');
    is_deeply([$log->links($sid)], [],
              'push client: the 200 does not repeat the promised links');
    is($d->{promised}, 2, 'push client: status promised +2') or diag explain $d;
    is($d->{'hints.sent'}, 1, 'push client: status hints.sent +1');
    for my $p ('/hints/a.css', '/hints/b.js') {
        my $ps = $log->pushed_stream($p);
        is($ps && $ps->{status}, 200, "push client: pushed $p answered 200");
    }
}

# A slow CGI (sleeps 1 s): the 103 frame comes before the 200 frame
{
    my $p = '/cgi-bin/hints-slow.cgi';
    my $log = nghttp(vhost => $V, paths => [$p], no_push => 1);
    my $sid = $log->sid_of($p);
    is($log->status($sid), 200, 'slow CGI h2: 200');
    my($h103, $final) = h2_frames($log, $sid);
    is(scalar @$h103, 1, 'slow CGI h2: one 103') or diag $log->summary;
    ok(@$h103 && $final && $h103->[0]{index} < $final->{index},
       'slow CGI h2: the 103 HEADERS frame precedes the 200 HEADERS')
        or diag $log->summary;
    is_deeply([block_links((h2_blocks($log, $sid, 103))[0])],
              ['</hints/a.css>; rel=preload; as=style'], 'slow CGI h2: the 103 links');

    my $r = curl_v(vhost => $V, path => $p);
    is($r->{status}, 200, 'slow CGI HTTP/1.1: 200');
    is(join(' | ', map { $_->{status} } @{ $r->{blocks} }), '103 | 200',
       'slow CGI HTTP/1.1: 103 then 200') or diag blocks_of($r);
}

# Sent before the handler, shown causally (no clock): the CGI does not
# answer until the test has created a file, which the test does when it
# has received the 103.  Had the 103 waited for the handler, the CGI would
# time out (3 s) and say so in its body.
{
    my $token = "eh$$";
    my $go = File::Spec->catfile(Apache::Test::vars('t_logs'), "hints-go-$token");
    unlink $go;
    my $r = raw_h1(vhost => $V, path => "/cgi-bin/hints-slow.cgi?wait=$token",
                   when => qr{\AHTTP/1\.1 103 [^\r\n]*\r\n.*?\r\n\r\n}s,
                   then => sub { open my $fh, '>', $go; close $fh });
    ok($r->{fired}, 'handler waits: the 103 arrived while the CGI was waiting')
        or diag $r->{raw};
    is($r->{status}, 200, 'handler waits: 200');
    like($r->{body}, qr/go=seen/, 'handler waits: the CGI saw the test react to the 103')
        or diag $r->{body};
    is(count_103($r), 1, 'handler waits: one 103');
    unlink $go;
}

# Sec-Fetch-Mode: only navigations get a 103
{
    my $before = status_json();
    for my $mode (qw(cors no-cors same-origin)) {
        my $r = curl_v(vhost => $V, path => $page,
                       headers => ["Sec-Fetch-Mode: $mode"]);
        is($r->{status}, 200, "Sec-Fetch-Mode: $mode: 200");
        is(count_103($r), 0, "Sec-Fetch-Mode: $mode: no 103") or diag blocks_of($r);
    }
    my $log = nghttp(vhost => $V, paths => [$page], no_push => 1,
                     headers => ['sec-fetch-mode: cors']);
    my $sid = $log->sid_of($page);
    is($log->status($sid), 200, 'h2 Sec-Fetch-Mode: cors: 200');
    is(scalar h2_blocks($log, $sid, 103), 0, 'h2 Sec-Fetch-Mode: cors: no 103')
        or diag $log->summary;
    my $d = status_delta($before, status_json());
    is($d->{'hints.sent'}, 0, 'Sec-Fetch-Mode not navigate: hints.sent +0')
        or diag explain $d;

    my $r = curl_v(vhost => $V, path => $page,
                   headers => ['Sec-Fetch-Mode: navigate']);
    is(count_103($r), 1, 'Sec-Fetch-Mode: navigate: one 103');
    is_deeply([link_lines($r->{interim}[0])], \@ab, 'Sec-Fetch-Mode: navigate: the links');
}

# H2PushEarlyHints h2: HTTP/2 only
{
    my $p = '/hints/h2/page.html';
    my $r = curl_v(vhost => $V, path => $p);
    is($r->{status}, 200, 'EarlyHints h2, HTTP/1.1: 200');
    is(count_103($r), 0, 'EarlyHints h2, HTTP/1.1: no 103') or diag blocks_of($r);
    is_deeply([link_lines($r->{final})], \@ab,
              'EarlyHints h2, HTTP/1.1: the list as Link headers of the 200');
    my $log = nghttp(vhost => $V, paths => [$p], no_push => 1);
    my $sid = $log->sid_of($p);
    my @b = h2_blocks($log, $sid, 103);
    is(scalar @b, 1, 'EarlyHints h2, h2 --no-push: one 103') or diag $log->summary;
    is_deeply([block_links($b[0])], \@ab, 'EarlyHints h2, h2 --no-push: the links');
}

# H2PushEarlyHints not set: it follows mod_http2's H2EarlyHints (on in
# <VirtualHost h2eh>), as mod_http2 alone sent a 103 for H2PushResource:
# on HTTP/2 only (an explicit "H2PushEarlyHints off": t/36_policy.t)
{
    my $p = '/hints/off/page.html';
    my $before = status_json();
    my $r = curl_v(vhost => $V, path => $p);
    is($r->{status}, 200, 'EarlyHints unset, HTTP/1.1: 200');
    is(count_103($r), 0, 'EarlyHints unset, HTTP/1.1: no 103') or diag blocks_of($r);
    is_deeply([link_lines($r->{final})], \@ab,
              'EarlyHints unset, HTTP/1.1: the list as Link headers of the 200');
    my $log = nghttp(vhost => $V, paths => [$p], no_push => 1);
    my $sid = $log->sid_of($p);
    is($log->status($sid), 200, 'EarlyHints unset, h2 --no-push: 200');
    my @b = h2_blocks($log, $sid, 103);
    is(scalar @b, 1, 'EarlyHints unset (H2EarlyHints on), h2 --no-push: one 103')
        or diag $log->summary;
    is_deeply([block_links($b[0])], \@ab, 'EarlyHints unset (H2EarlyHints on), h2 --no-push: the links');
    my $d = status_delta($before, status_json());
    is($d->{'hints.sent'}, 1, 'EarlyHints unset: hints.sent +1 (the h2 one)') or diag explain $d;

    # a push client gets the pushes from a 103 all the same
    my $pl = nghttp(vhost => $V, paths => [$p]);
    $sid = $pl->sid_of($p);
    promised_ok($pl, $p, ['/hints/a.css', '/hints/b.js'],
                'EarlyHints unset, push client: the list is promised');
    my($h103, $final) = h2_frames($pl, $sid);
    my @late = grep {
        my $pi = $pl->frame_index(type => 'PUSH_PROMISE', path => $_);
        !defined $pi || !$final || $pi > $final->{index}
    } ('/hints/a.css', '/hints/b.js');
    is_deeply(\@late, [], 'EarlyHints unset, push client: PUSH_PROMISEs before the 200 HEADERS')
        or diag $pl->summary;
    is(scalar @$h103, 1, 'EarlyHints unset, push client: they came with a 103')
        or diag $pl->summary;
}

# Not a plain GET navigation to a page that will be served: no 103
{
    my $before = status_json();
    my @cases = (
        ['HEAD', 200, path => $page, method => 'HEAD'],
        ['POST', 200, path => '/cgi-bin/hints-echo.cgi', data => 'x' x 100],
        ['404', 404, path => '/hints/on/missing.html'],
        ['If-None-Match', 200, path => $page, headers => ['If-None-Match: "nomatch"']],
        ['If-Modified-Since', 200, path => $page,
         headers => ['If-Modified-Since: Thu, 01 Jan 1970 00:00:01 GMT']],
        ['Expect: 100-continue', 200, path => $page,
         headers => ['Expect: 100-continue']],
        ['HTTP/1.0', 200, path => $page, http => '1.0'],
    );
    for my $c (@cases) {
        my($name, $status, %o) = @$c;
        my $r = curl_v(vhost => $V, %o);
        is($r->{status}, $status, "$name: $status");
        is(count_103($r), 0, "$name: no 103") or diag blocks_of($r);
    }
    my $d = status_delta($before, status_json());
    is($d->{'hints.sent'}, 0, 'none of them: hints.sent +0') or diag explain $d;

    # an internal redirect (the CGI, which has no hints, answers with a
    # local Location; httpd then serves $page): one response, so at most
    # one 103, and only with what the page it ends at hints
    my $ir = curl_v(vhost => $V, path => '/cgi-bin/hints-redir.cgi');
    is($ir->{status}, 200, 'internal redirect: 200');
    cmp_ok(count_103($ir), '<=', 1, 'internal redirect: at most one 103') or diag blocks_of($ir);
    my @irl = map { block_links($_) } grep { $_->{status} == 103 } @{ $ir->{interim} };
    ok(!@irl || join(' ', map { /^<([^>]*)>/ } @irl) eq '/hints/a.css /hints/b.js',
       'internal redirect: a 103, if any, has the static list of the page it ends at')
        or diag explain \@irl;

    # a matching validator: 304, no 103 either
    my $etag = (map { $_->[1] } grep { $_->[0] eq 'etag' }
                @{ curl_v(vhost => $V, path => $page)->{final}{headers} })[0];
    ok($etag, 'the page has an ETag');
    my $c304 = curl_v(vhost => $V, path => $page, headers => ["If-None-Match: $etag"]);
    is($c304->{status}, 304, 'If-None-Match (matching): 304');
    is(count_103($c304), 0, 'If-None-Match (matching): no 103') or diag blocks_of($c304);

    # the positive controls of those
    my $post = curl_v(vhost => $V, path => '/cgi-bin/hints-echo.cgi', data => 'x' x 100);
    like($post->{body}, qr/method=POST read=100/, 'POST: the CGI read the body');
    my $get = curl_v(vhost => $V, path => '/cgi-bin/hints-echo.cgi');
    is(count_103($get), 1, 'GET of the same CGI: one 103');
    is_deeply([link_lines($get->{interim}[0])],
              ['</hints/a.css>; rel=preload; as=style'], 'GET of the same CGI: the link');
    my $redir = curl_v(vhost => $V, path => '/cgi-bin/hints-redir.cgi');
    is($redir->{body}, file_content(htdocs_file($page)),
       'internal redirect: the body is the target page (which alone gets a 103)');
}

done_testing();
