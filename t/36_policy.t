# The policy everywhere (issue 11): every way a link reaches a client --
# a backend's own 103, .htaccess, the lookup, limits, self-links,
# modulepreload, mod_http2's own switches, mod_rewrite, mod_cache,
# H2EarlyHint, h2c Upgrade -- passes the same policy.  What a real client
# received is asserted: nghttp -nv frames (PUSH_PROMISE paths, 103 blocks,
# Link headers), curl -v header blocks (1xx included), python3-h2 for
# pushed bodies and for the order of requests on one connection; with the
# debug log's decisions and the status counters.
#
# Configuration: t/conf/policy.conf.in (vhosts polh2, polnoeh, polupg,
# pollearn; pages under htdocs/pol/).  The backend that sends its own 103s
# is t/backend103.py on a Unix socket, started and stopped here.  Files
# this test makes (a 20 MB .asis, pages with thousands of links, an
# unreadable file) are removed at the end.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use H2PushTest qw(:all);
use File::Path ();
use MIME::Base64 ();

my $V   = 'polh2';      # h2c + HTTP/1.1, H2EarlyHints on
my $OK  = '/pol/ok.css';
my $OKL = "<$OK>; rel=preload; as=style";     # how it is hinted

# --- small local shorthands ------------------------------------------------
# (count_103, statuses, block_links: H2PushTest::Clients)
# the 103 blocks of nghttp stream $sid, each as its link-values
sub h2_103_links {
    my($log, $sid) = @_;
    return map { [block_links($_)] } h2_blocks($log, $sid, 103);
}
# decisions (adv_decisions) whose path or target is $p
sub dec_for {
    my($text, $p) = @_;
    return map { "$_->{source}:$_->{result}" }
           grep { $_->{path} eq $p || $_->{target} eq $p } adv_decisions($text);
}
# the HEADERS frames with :status 103 that nghttp received on even (pushed)
# stream ids
sub pushed_103 {
    my $log = shift;
    return grep { $_->{stream} && $_->{stream} % 2 == 0 }
           $log->frames(dir => 'recv', type => 'HEADERS', status => 103);
}
my @made;    # files and directories this test makes
END {
    for my $f (reverse @made) {
        if (-d $f) { File::Path::rmtree($f) } else { chmod 0644, $f; unlink $f }
    }
}

# ==========================================================================
# 1. A backend's own 103s pass the policy
# ==========================================================================
my $BODY = "<!doctype html>\n<title>backend</title>\n<p>from the backend</p>\n";
my $be = backend103_start(spec => {
    '/pol-be/one' => {
        interim => [[ 'Link: </missing.css>; rel=preload',
                      'Link: <https://other.example/x.js>; rel=preload',
                      'Link: </pol/denied/d.css>; rel=preload',
                      "Link: <$OK>; rel=preload" ]],
        headers => ['Content-Type: text/html'], body => $BODY },
    '/pol-be/two' => {
        interim => [[ "Link: <$OK>; rel=preload",
                      'Link: </missing.css>; rel=preload' ],
                    [ 'Link: </pol/ok2.css>; rel=preload',
                      'Link: <https://other.example/y.js>; rel=preload' ]],
        headers => ['Content-Type: text/html'], body => $BODY },
    '/pol-be/mod' => {
        interim => [[ 'Link: </pol/mod/m.js>; rel=modulepreload' ]],
        headers => ['Content-Type: text/html'], body => $BODY },
    # read by a nested Preload selector (section "nested fetch" below)
    '/pol-be/item.json' => {
        interim => [[ "Link: <$OK>; rel=preload" ]],
        headers => ['Content-Type: application/json'],
        body => '{"rel": "/pol/ok2.css"}' },
});
ok(!$be->{error}, 'backend103.py listens on its Unix socket') or diag $be->{error};
{
    # fixtures: what the backend sends, what the targets are
    my $raw = backend103_raw($be, '/pol-be/two');
    my @st = $raw =~ m{^HTTP/1\.1 (\d{3})}mg;
    is("@st", '103 103 200', 'fixture: the backend sends 103, 103, 200 itself')
        or diag $raw;
    is(http(vhost => 'main', path => '/pol/denied/d.css')->{status}, 403,
       'fixture: /pol/denied/d.css is 403');
    is(http(vhost => 'main', path => '/missing.css')->{status}, 404,
       'fixture: /missing.css is 404');
    is(http(vhost => 'main', path => $OK)->{status}, 200, "fixture: $OK is 200");
}

my %withheld = ('/missing.css' => 'not-found',
                'https://other.example/x.js' => 'not-same-origin',
                '/pol/denied/d.css' => 'forbidden');

# push client, H2EarlyHints on: one PUSH_PROMISE; the 103 it sees keeps the
# withheld links with nopush
{
    my $page = '/pol/be/one';
    my $mark = log_mark();
    my($log, $d) = counted(sub { nghttp(vhost => $V, paths => [$page]) });
    my $text = log_since('error_log', $mark);
    my $sid = $log->sid_of($page);
    is($log->status($sid), 200, 'backend 103, push client: 200');
    is($log->data_len($sid), length $BODY, 'backend 103, push client: the body');
    promised_ok($log, $page, [$OK], 'backend 103, push client: only the existing file promised');
    my @b = h2_103_links($log, $sid);
    is(scalar @b, 1, 'backend 103, push client: the 103 is forwarded (H2EarlyHints on)')
        or diag $log->summary;
    is(values_state($b[0] || [], $OK), 'plain', 'backend 103, push client: ok.css plain in the 103')
        or diag explain \@b;
    for my $t (sort keys %withheld) {
        is(values_state($b[0] || [], $t), 'nopush',
           "backend 103, push client: $t kept with nopush");
    }
    for my $t (sort keys %withheld) {
        my $p = $t =~ m{^/} ? $t : '-';
        is_deeply([map { "$_->{source} $_->{result}" }
                   grep { $_->{target} eq $t } adv_decisions($text)],
                  ["interim $withheld{$t}"],
                  "backend 103, push client: debug log: $t source=interim reason=$withheld{$t}")
            or diag $text;
    }
    is_deeply([dec_for($text, $OK)], ['interim:promised'],
              'backend 103, push client: debug log: ok.css source=interim promised');
    is($d->{promised}, 1, 'backend 103, push client: promised +1') or diag explain $d;
    is($d->{'skipped.not-found'}, 1, 'backend 103, push client: not-found +1');
    is($d->{'skipped.not-same-origin'}, 1, 'backend 103, push client: not-same-origin +1');
    is($d->{'skipped.forbidden'}, 1, 'backend 103, push client: forbidden +1');
}

# push client, no H2EarlyHints: the same single push, no 103 seen
{
    my $page = '/pol/be/one';
    my $log = nghttp(vhost => 'polnoeh', paths => [$page]);
    my $sid = $log->sid_of($page);
    is($log->status($sid), 200, 'backend 103, no H2EarlyHints, push client: 200');
    promised_ok($log, $page, [$OK],
                'backend 103, no H2EarlyHints, push client: only the existing file promised');
    is(scalar h2_blocks($log, $sid, 103), 0,
       'backend 103, no H2EarlyHints, push client: no 103 forwarded') or diag $log->summary;
}

# clients that do not take pushes: one 103, the existing file only, as=
{
    my $page = '/pol/be/one';
    my($log, $d) = counted(sub { nghttp(vhost => $V, paths => [$page], no_push => 1) });
    my $sid = $log->sid_of($page);
    is($log->status($sid), 200, 'backend 103, h2 --no-push: 200');
    my @b = h2_103_links($log, $sid);
    is(scalar @b, 1, 'backend 103, h2 --no-push: one 103') or diag $log->summary;
    is_deeply($b[0], [$OKL],
              'backend 103, h2 --no-push: the 103 has the existing file only, as= added')
        or diag $log->summary;
    is(scalar $log->promises, 0, 'backend 103, h2 --no-push: no PUSH_PROMISE');
    is($d->{hinted}, 1, 'backend 103, h2 --no-push: hinted +1') or diag explain $d;
    is($d->{'hints.sent'}, 1, 'backend 103, h2 --no-push: hints.sent +1');
    is(($d->{'skipped.not-found'} // 0) + ($d->{'skipped.not-same-origin'} // 0)
       + ($d->{'skipped.forbidden'} // 0), 3, 'backend 103, h2 --no-push: the three withheld counted');

    my $r = curl_v(vhost => $V, path => $page);
    is($r->{status}, 200, 'backend 103, HTTP/1.1: 200');
    is(count_103($r), 1, 'backend 103, HTTP/1.1: one 103') or diag statuses($r);
    is_deeply([block_links($r->{interim}[0])], [$OKL],
              'backend 103, HTTP/1.1: the 103 has the existing file only, as= added')
        or diag $r->{err};
    is($r->{body}, $BODY, 'backend 103, HTTP/1.1: the body');

    my $n = nghttp(vhost => 'polnoeh', paths => [$page], no_push => 1);
    is(scalar h2_blocks($n, $n->sid_of($page), 103), 0,
       'backend 103, no H2EarlyHints, h2 --no-push: no 103 (mod_http2 forwards none)');
}

# two 103s from the backend: a client that does not take pushes gets one;
# the second one's hints go into the final response
{
    my $page = '/pol/be/two';
    my $mark = log_mark();
    my $r = curl_v(vhost => $V, path => $page);
    is($r->{status}, 200, 'backend two 103s, HTTP/1.1: 200');
    is(count_103($r), 1, 'backend two 103s, HTTP/1.1: one 103') or diag statuses($r);
    is_deeply([block_links($r->{interim}[0])], [$OKL],
              'backend two 103s, HTTP/1.1: the first 103, what passed');
    is_deeply([block_links($r->{final})], ['</pol/ok2.css>; rel=preload; as=style'],
              "backend two 103s, HTTP/1.1: the second 103's hint is a Link of the 200")
        or diag $r->{err};
    like(log_since('error_log', $mark), qr/h2push interim: 103 dropped/,
         'backend two 103s: the debug log says the second 103 was dropped');

    my $log = nghttp(vhost => $V, paths => [$page], no_push => 1);
    my $sid = $log->sid_of($page);
    my @b = h2_103_links($log, $sid);
    is(scalar @b, 1, 'backend two 103s, h2 --no-push: one 103') or diag $log->summary;
    is_deeply($b[0], [$OKL], 'backend two 103s, h2 --no-push: the first 103, what passed');
    is_deeply([$log->links($sid)], ['</pol/ok2.css>; rel=preload; as=style'],
              "backend two 103s, h2 --no-push: the second 103's hint is a Link of the 200")
        or diag $log->summary;

    my $p = nghttp(vhost => $V, paths => [$page]);
    promised_ok($p, $page, [$OK, '/pol/ok2.css'],
                'backend two 103s, push client: what passed in either 103 is promised');
}

# ==========================================================================
# 2. H2PushResource in .htaccess: mod_http2 does not act on it
# ==========================================================================
{
    my $page = '/pol/ht/off/page.html';
    my $log = nghttp(vhost => $V, paths => [$page]);
    my $sid = $log->sid_of($page);
    ok($log->ok, '.htaccess "H2PushResource off": nghttp exits 0') or diag $log->summary;
    is($log->status($sid), 200, '.htaccess "H2PushResource off": 200');
    is_deeply([$log->promised_paths], [],
              '.htaccess "H2PushResource off": nothing promised (no path "off", the <Directory> list dropped)')
        or diag $log->summary;
    unlike($log->{raw}, qr/recv PUSH_PROMISE/,
           '.htaccess "H2PushResource off": no PUSH_PROMISE frame at all (valid or not)');
    unlike("$log->{raw}$log->{err}", qr/Violation|PROTOCOL_ERROR/i,
           '.htaccess "H2PushResource off": no protocol violation seen by nghttp');
    is($log->count_frames(dir => 'send', type => 'RST_STREAM'), 0,
       '.htaccess "H2PushResource off": the client reset nothing');
}
{
    my $page = '/pol/ht/one/page.html';
    my $s = '/pol/ht/one/s.css';
    my $log = nghttp(vhost => $V, paths => [$page]);
    my $sid = $log->sid_of($page);
    ok($log->ok, '.htaccess entry, push client: nghttp exits 0') or diag $log->summary;
    promised_ok($log, $page, [$s], '.htaccess entry, push client: promised once');
    cmp_ok(scalar h2_blocks($log, $sid, 103), '<=', 1,
           '.htaccess entry, push client: at most one 103 on the page') or diag $log->summary;
    is(scalar pushed_103($log), 0, '.htaccess entry, push client: no 103 on a pushed stream')
        or diag $log->summary;

    my $np = nghttp(vhost => $V, paths => [$page], no_push => 1);
    my $nsid = $np->sid_of($page);
    my @b = h2_103_links($np, $nsid);
    is(scalar @b, 1, '.htaccess entry, h2 --no-push: exactly one 103') or diag $np->summary;
    is_deeply($b[0], ["<$s>; rel=preload; as=style"], '.htaccess entry, h2 --no-push: its link');

    my $h = h2client(vhost => $V, paths => [$page]);
    ok(!$h->{error}, '.htaccess entry, python3-h2: the connection ended cleanly')
        or diag explain $h;
    my($ps) = grep { $_->{pushed} && ($_->{path} // '') eq $s } values %{ $h->{streams} || {} };
    is($ps && $ps->{status}, 200, '.htaccess entry, python3-h2: pushed s.css 200');
    is($ps && $ps->{sha256}, sha256_file(htdocs_file($s)), '.htaccess entry, python3-h2: its body');
    is_deeply($ps ? $ps->{informational} : ['no pushed stream'], [],
              '.htaccess entry, python3-h2: no 1xx on the pushed stream');
}

# ==========================================================================
# 3. No 103 ahead of a 403/404 the server itself makes
# ==========================================================================
{
    my $locked = htdocs_file('/pol/noindex/locked.html');
    file_put($locked, "<!doctype html><title>locked</title>\n");
    push @made, $locked;
    chmod 0000, $locked;

    my $ctl = curl_v(vhost => $V, path => '/pol/noindex/ok.html');
    is(statuses($ctl), '103 200', 'noindex control: ok.html gets 103 then 200')
        or diag $ctl->{err};
    for my $c (['directory without index (Options -Indexes)', '/pol/noindex/', qr/^40[34]$/],
               ['unreadable file', '/pol/noindex/locked.html', qr/^403$/]) {
        my($name, $path, $want) = @$c;
        my $r = curl_v(vhost => $V, path => $path);
        like($r->{status}, $want, "$name, HTTP/1.1: status $r->{status}");
        is(count_103($r), 0, "$name, HTTP/1.1: no 103 before it") or diag statuses($r);
        my $np = nghttp(vhost => $V, paths => [$path], no_push => 1);
        my $sid = $np->sid_of($path);
        like($np->status($sid) // 0, $want, "$name, h2 --no-push: 4xx");
        is(scalar h2_blocks($np, $sid, 103), 0, "$name, h2 --no-push: no 103")
            or diag $np->summary;
        my $p = nghttp(vhost => $V, paths => [$path]);
        is_deeply([$p->promised_paths], [], "$name, push client: nothing promised")
            or diag $p->summary;
    }
}

# ==========================================================================
# 4. The lookup is the pushed request
# ==========================================================================
# (a) the page's environment (SetEnvIf Cookie) opens nothing
{
    is(curl_v(vhost => $V, path => '/pol/admin/a.css', headers => ['Cookie: role=admin'])->{status},
       200, 'fixture: /pol/admin/a.css is 200 with the cookie');
    is(curl_v(vhost => $V, path => '/pol/admin/a.css')->{status}, 403,
       'fixture: /pol/admin/a.css is 403 without it (as the pushed request is made)');
    my $page = '/pol/env/page.html';
    my $mark = log_mark();
    my $log = nghttp(vhost => $V, paths => [$page], headers => ['cookie: role=admin']);
    my $text = log_since('error_log', $mark);
    promised_ok($log, $page, [$OK], 'SetEnvIf Cookie: the admin file is not promised');
    is_deeply([dec_for($text, '/pol/admin/a.css')], ['link:forbidden'],
              'SetEnvIf Cookie: reason forbidden') or diag $text;
}
# (b) a per-directory rewrite is followed: to a file behind authentication
# (forbidden), to a public file (promised, with that file's body)
{
    is(http(vhost => $V, path => '/pol/rw/x.css')->{status}, 401,
       'fixture: /pol/rw/x.css (rewritten to /pol/private/p.css) is 401');
    my $page = '/pol/rw/page.html';
    my $mark = log_mark();
    my $log = nghttp(vhost => $V, paths => [$page]);
    my $text = log_since('error_log', $mark);
    promised_ok($log, $page, ['/pol/rw/y.css'], 'rewrite: only the public target promised');
    is_deeply([dec_for($text, '/pol/rw/x.css')], ['link:forbidden'],
              'rewrite to a private file: reason forbidden') or diag $text;
    my $h = h2client(vhost => $V, paths => [$page]);
    my($ps) = grep { $_->{pushed} && ($_->{path} // '') eq '/pol/rw/y.css' }
              values %{ $h->{streams} || {} };
    is($ps && $ps->{sha256}, sha256_file(htdocs_file('/pol/ok2.css')),
       'rewrite to a public file: the pushed body is the rewrite target');
}
# (c) sizes: a 20 MB .asis is too large; a small one is pushed
{
    my $big = htdocs_file('/pol/big/big.asis');
    file_put($big, "Status: 200 OK\nContent-Type: application/octet-stream\n\n");
    push @made, $big;
    truncate $big, 20 * 1024 * 1024;
    chmod 0644, $big;
    my $hr = http(vhost => 'main', path => '/pol/big/big.asis', method => 'HEAD');
    is($hr->{status}, 200, 'fixture: big.asis is served (200)');
    my $page = '/pol/big/page.html';
    my $mark = log_mark();
    my $log = nghttp(vhost => $V, paths => [$page]);
    my $text = log_since('error_log', $mark);
    promised_ok($log, $page, ['/pol/big/small.asis'],
                '.asis sizes: the small one promised, not the 20 MB one');
    is_deeply([dec_for($text, '/pol/big/big.asis')], ['link:too-large'],
              '.asis of 20 MB: reason too-large') or diag $text;
}
# (c) a CGI target: not pushed (generated), hinted; pushed with
# H2PushGenerated on
{
    my $cgi = '/cgi-bin/pol-gen.cgi';
    my $page = '/pol/gen/page.html';
    my $mark = log_mark();
    my($log, $d) = counted(sub { nghttp(vhost => $V, paths => [$page]) });
    my $text = log_since('error_log', $mark);
    promised_ok($log, $page, [$OK], 'CGI target, push client: not promised');
    is_deeply([dec_for($text, $cgi)], ['static:generated'],
              'CGI target, push client: reason generated') or diag $text;
    is($d->{'skipped.generated'}, 1, 'CGI target, push client: skipped.generated +1')
        or diag explain $d;

    my $r = curl_v(vhost => $V, path => $page);
    is(count_103($r), 1, 'CGI target, HTTP/1.1: one 103') or diag statuses($r);
    my @l = block_links($r->{interim}[0]);
    is_deeply([link_targets(@l)], [$cgi, $OK], 'CGI target, HTTP/1.1: hinted in the 103')
        or diag explain \@l;
    is(values_state(\@l, $cgi), 'plain', 'CGI target, HTTP/1.1: a plain preload hint');

    my $on = '/pol/gen/on.html';
    my $h = h2client(vhost => $V, paths => [$on]);
    is_deeply([sort map { $_->{path} } @{ $h->{promises} || [] }], [$cgi, $OK],
              'H2PushGenerated on: the CGI target is promised') or diag explain $h;
    my($ps) = grep { $_->{pushed} && ($_->{path} // '') eq $cgi } values %{ $h->{streams} || {} };
    is($ps && $ps->{status}, 200, 'H2PushGenerated on: the pushed CGI answered 200');
    like(MIME::Base64::decode_base64($ps ? $ps->{body_b64} : ''), qr/generated by pol-gen\.cgi/,
         'H2PushGenerated on: the pushed body is the CGI output');
}

# ==========================================================================
# 5. Limits
# ==========================================================================
# 1,500 preloads in a <head>: at most 64 taken; the stream is not reset
{
    my $dir = htdocs_file('/pol/html');
    File::Path::mkpath($dir);
    push @made, $dir;
    my $f = htdocs_file('/pol/html/many.html');
    file_put($f, "<!doctype html>\n<html><head><title>many</title>\n"
        . join('', map { qq{<link rel="preload" href="/pol/html/p/$_.css" as="style">\n} } 1 .. 1500)
        . "</head>\n<body><p>many preloads</p></body></html>\n");
    my $page = '/pol/html/many.html';
    for my $np (1, 0) {
        my $name = $np ? 'HTML 1,500 preloads, h2 --no-push' : 'HTML 1,500 preloads, push client';
        my $mark = log_mark();
        my($log, $d) = counted(sub { nghttp(vhost => $V, paths => [$page], no_push => $np) });
        my $sid = $log->sid_of($page);
        is($log->status($sid), 200, "$name: 200") or diag $log->summary;
        is($log->data_len($sid), -s $f, "$name: the whole body");
        is($log->count_frames(dir => 'recv', type => 'RST_STREAM'), 0, "$name: no stream reset")
            or diag $log->summary;
        my @v = grep { m{^</pol/html/p/} } $log->links($sid);
        ok(@v > 0 && @v <= 64, "$name: at most 64 links from the scan (" . scalar(@v) . ')')
            or diag $log->summary;
        cmp_ok($d->{'hints.html_links'} // -1, '<=', 64, "$name: hints.html_links at most +64");
        like(log_since('error_log', $mark), qr/h2push html: \d+ more links left out/,
             "$name: the debug log says links were left out");
    }
}
# 8,000 Link lines to missing files: 4 x H2PushMax lookups (at least 16)
{
    my $dir = htdocs_file('/pol/lim');
    File::Path::mkpath($dir);
    push @made, $dir;
    file_put(htdocs_file('/pol/lim/lines.asis'), "Status: 200 OK\nContent-Type: text/html\n"
        . join('', map { "Link: </pol/lim/nx/$_.css>; rel=preload\n" } 1 .. 8000)
        . "\n<!doctype html><title>8000 links</title>\n");
    for my $c (['H2PushMax 10 (default)', '/pol/lim/lines.asis', 40],
               ['H2PushMax 2',            '/pol/lim/lines.asis?max2', 16]) {
        my($name, $path, $budget) = @$c;
        my $mark = log_mark();
        my($h, $d) = counted(sub { adv_h2_parent(vhost => $V, path => $path) });
        my $text = log_since('error_log', $mark);
        my @verify = $text =~ /h2push verify (\S+)/g;
        ok(@verify > 0 && @verify <= $budget,
           "8000 Link lines, $name: at most $budget lookups (" . scalar(@verify) . ')')
            or diag 'status ' . ($h->{status} // '-') . ', error ' . ($h->{error} // '-');
        is($d->{'skipped.not-found'}, scalar @verify, "8000 Link lines, $name: not-found = lookups")
            or diag explain $d;
        is(($d->{'skipped.not-found'} // 0) + ($d->{'skipped.over-limit'} // 0), 8000,
           "8000 Link lines, $name: the rest over-limit") or diag explain $d;
        is_deeply($h->{promises} || ['?'], [], "8000 Link lines, $name: nothing promised");
    }
}

# ==========================================================================
# 6. H2PushMax 2 with five Link headers
# ==========================================================================
{
    my $page = '/pol/max/page.html';
    my @all = map { "/pol/max/$_.css" } 1 .. 5;
    my($log, $d) = counted(sub { nghttp(vhost => $V, paths => [$page]) });
    my $sid = $log->sid_of($page);
    promised_ok($log, $page, [@all[0, 1]], 'H2PushMax 2: the first two promised');
    is_deeply([map { link_state($log, $sid, $_) } @all],
              [qw(plain plain nopush nopush nopush)],
              'H2PushMax 2: the other three are Links with nopush') or diag $log->summary;
    is($d->{'skipped.over-limit'}, 3, 'H2PushMax 2: over-limit +3') or diag explain $d;

    # the static list: push clients get the rest as Links with nopush;
    # other clients at most H2PushMax hints in the 103
    my $st = '/pol/max/static.html';
    my $sl = nghttp(vhost => $V, paths => [$st]);
    my $ssid = $sl->sid_of($st);
    promised_ok($sl, $st, [@all[0, 1]], 'H2PushMax 2, static list, push client: two promised');
    is_deeply([map { link_state($sl, $ssid, $_) } @all[2 .. 4]], [qw(nopush nopush nopush)],
              'H2PushMax 2, static list, push client: the other three are Links with nopush')
        or diag $sl->summary;
    my $r = curl_v(vhost => $V, path => $st);
    is_deeply([link_targets(block_links($r->{interim}[0]))], [@all[0, 1]],
              'H2PushMax 2, static list, HTTP/1.1: two hints in the 103') or diag $r->{err};
}

# ==========================================================================
# 7. Links to the page itself
# ==========================================================================
{
    my $page = '/pol/self/page.html?q=1';
    my $mark = log_mark();
    my($log, $d) = counted(sub { nghttp(vhost => $V, paths => [$page]) });
    my $text = log_since('error_log', $mark);
    promised_ok($log, $page, [$OK, '/pol/self/page.html?q=2'],
                'self-links: neither the page nor its own URL promised (<?q=2> is another URL)');
    my %res;
    $res{$_->{target}} = $_->{result} for adv_decisions($text);
    is_deeply([map { $res{$_} // 'none' } '', '?', '#top', '/pol/self/page.html', 'page.html', '?q=1'],
              [('self') x 6], 'self-links: reason self for <>, <?>, <#top>, its path, relative, its query')
        or diag $text;
    is($d->{'skipped.self'}, 6, 'self-links: skipped.self +6') or diag explain $d;

    my $st = '/pol/self/st.html';
    my $r = curl_v(vhost => $V, path => $st);
    is(count_103($r), 1, 'static self entry, HTTP/1.1: one 103');
    is_deeply([block_links($r->{interim}[0])], [$OKL], 'static self entry, HTTP/1.1: the page not hinted');
    is_deeply([block_links($r->{final})], [$OKL], 'static self entry, HTTP/1.1: nor listed in the 200');
    my $p = nghttp(vhost => $V, paths => [$st]);
    promised_ok($p, $st, [$OK], 'static self entry, push client: the page not promised');
}

# ==========================================================================
# 8. rel=modulepreload
# ==========================================================================
{
    my $MJS = "</pol/mod/m.js>; rel=preload; as=script; crossorigin";
    my $page = '/pol/mod/page.html';
    my $log = nghttp(vhost => $V, paths => [$page]);
    my $sid = $log->sid_of($page);
    promised_ok($log, $page, ['/pol/mod/m.js'], 'modulepreload Link, push client: promised');
    is_deeply([$log->links_to($sid, '/pol/mod/m.js')], [$MJS],
              'modulepreload Link, push client: the Link is a CORS script preload')
        or diag $log->summary;
    my $h = h2client(vhost => $V, paths => [$page]);
    my($ps) = grep { $_->{pushed} } values %{ $h->{streams} || {} };
    is($ps && $ps->{sha256}, sha256_file(htdocs_file('/pol/mod/m.js')),
       'modulepreload Link, python3-h2: the pushed body is m.js');

    my $scan = '/pol/mod/scan.html';
    my $sl = nghttp(vhost => $V, paths => [$scan]);
    promised_ok($sl, $scan, ['/pol/mod/h.js'], 'modulepreload in HTML, push client: promised');
    is_deeply([$sl->links_to($sl->sid_of($scan), '/pol/mod/h.js')],
              ['</pol/mod/h.js>; rel=preload; as=script; crossorigin'],
              'modulepreload in HTML, push client: a CORS script preload');
    my $snp = nghttp(vhost => $V, paths => [$scan], no_push => 1);
    is_deeply([$snp->links_to($snp->sid_of($scan), '/pol/mod/h.js')],
              ['</pol/mod/h.js>; rel=modulepreload'],
              'modulepreload in HTML, h2 --no-push: the Link as found');

    # a backend's 103 with a modulepreload (the form Chromium acts on: see
    # t/37_policy_chromium.t)
    my $be_page = '/pol/be/mod';
    my $np = nghttp(vhost => $V, paths => [$be_page], no_push => 1);
    is_deeply([h2_103_links($np, $np->sid_of($be_page))], [['</pol/mod/m.js>; rel=modulepreload']],
              'modulepreload in a 103, h2 --no-push: hinted as a modulepreload')
        or diag $np->summary;
    my $r = curl_v(vhost => $V, path => $be_page);
    is(count_103($r), 1, 'modulepreload in a 103, HTTP/1.1: one 103');
    is_deeply([block_links($r->{interim}[0])], ['</pol/mod/m.js>; rel=modulepreload'],
              'modulepreload in a 103, HTTP/1.1: hinted as a modulepreload');
    my $pl = nghttp(vhost => $V, paths => [$be_page]);
    promised_ok($pl, $be_page, ['/pol/mod/m.js'], 'modulepreload in a 103, push client: promised');
    is_deeply([h2_103_links($pl, $pl->sid_of($be_page))], [[$MJS]],
              'modulepreload in a 103, push client: the 103 has the CORS script preload')
        or diag $pl->summary;
}

# ==========================================================================
# 9. as= values
# ==========================================================================
{
    for my $bad (qw(stylesheet foo)) {
        my $c = configtest(name => "pol-as-$bad",
                           lines => ['<Location /x>', "H2PushResource /a.css as=$bad", '</Location>']);
        my $line = $c->{lines_before} + 2;
        isnt($c->{rc}, 0, "as=$bad: apache2 -t fails") or diag $c->{out};
        like($c->{out}, qr/line \Q$line\E of \Q$c->{file}\E/, "as=$bad: names file and line $line")
            or diag $c->{out};
        like($c->{out}, qr/H2PushResource.*as=\Q$bad\E/s, "as=$bad: names the directive and the value");
        like($c->{out}, qr/audio, audioworklet, document, .*font.*script.*style.*worker, xslt/s,
             "as=$bad: lists the destinations") or diag $c->{out};
    }
    my $good = configtest(name => 'pol-as-good', lines => [
        'H2PushResource /a.css as=style',
        'H2PushResource /b.js as=script',
        'H2PushResource /c.json as=fetch crossorigin',
    ]);
    is($good->{rc}, 0, 'as=style, as=script, as=fetch crossorigin: apache2 -t passes')
        or diag $good->{out};
}

# ==========================================================================
# 10. mod_http2's own switches
# ==========================================================================
# (a) H2Push off in a <Location>: no push there, and the diary does not
# record it: the next page on the connection gets it pushed
{
    my @p = ('/pol/h2off/page.html', '/pol/h2off/next.html');
    my $mark = log_mark();
    my $h = h2_seq(vhost => $V, paths => \@p);
    my $text = log_since('error_log', $mark);
    ok(!$h->{error}, 'H2Push off: the connection ended cleanly') or diag explain $h;
    my %sid = map { $_->{path} => $_->{id} } grep { !$_->{pushed} } values %{ $h->{streams} };
    my @on = map { my $s = $sid{$_} // -1; [sort map { $_->{path} } grep { $_->{parent} == $s }
                                             @{ $h->{promises} }] } @p;
    is_deeply($on[0], [], 'H2Push off: no PUSH_PROMISE for its page') or diag explain $h->{order};
    is_deeply($on[1], ['/pol/h2off/t.css'],
              'H2Push off: the next page on the connection gets the target pushed')
        or diag explain $h->{order};
    unlike($text, qr{path=/pol/h2off/t\.css result=skipped reason=diary},
           'H2Push off: the target was never withheld as "diary"');
}
# (b) H2EarlyHints on and a static list, no H2PushEarlyHints: the 103 is
# still there for h2 clients that do not take pushes
{
    my $page = '/pol/ehnative/page.html';
    my $np = nghttp(vhost => $V, paths => [$page], no_push => 1);
    my @b = h2_103_links($np, $np->sid_of($page));
    is(scalar @b, 1, 'H2EarlyHints on, no H2PushEarlyHints, h2 --no-push: one 103')
        or diag $np->summary;
    is_deeply($b[0], [$OKL], 'H2EarlyHints on, no H2PushEarlyHints, h2 --no-push: the link');
    my $r = curl_v(vhost => $V, path => $page);
    is(count_103($r), 0, 'H2EarlyHints on, no H2PushEarlyHints, HTTP/1.1: no 103 (h2 only)')
        or diag statuses($r);
    my $off = '/pol/ehnative/off.html';
    my $no = nghttp(vhost => $V, paths => [$off], no_push => 1);
    my $osid = $no->sid_of($off);
    is($no->status($osid), 200, 'H2EarlyHints on, H2PushEarlyHints off, h2 --no-push: 200');
    is(scalar h2_blocks($no, $osid, 103), 0, 'H2EarlyHints on, H2PushEarlyHints off, h2 --no-push: no 103')
        or diag $no->summary;
    is_deeply([$no->links($osid)], [$OKL],
              'H2EarlyHints on, H2PushEarlyHints off, h2 --no-push: the Link in the 200');
}

# ==========================================================================
# 11. Beside other modules
# ==========================================================================
# (a) a WordPress-style front controller in .htaccess
{
    my $page = '/pol/wp/hello-world/';
    my $rel = '/pol/wp/hello-world/assets/rel.js';
    is(http(vhost => $V, path => '/pol/wp/missing.css')->{status}, 200,
       'fixture: /pol/wp/missing.css is answered by the front controller (200)');
    my $r = curl_v(vhost => $V, path => $page);
    is($r->{status}, 200, 'front controller, HTTP/1.1: the pretty URL is 200');
    like($r->{body}, qr{uri=/pol/wp/hello-world/}, 'front controller, HTTP/1.1: served by index.cgi');
    is(count_103($r), 1, 'front controller, HTTP/1.1: one 103') or diag statuses($r);
    is_deeply([block_links($r->{interim}[0])], ['</pol/wp/style.css>; rel=preload; as=style'],
              'front controller, HTTP/1.1: the 103 has the static list');

    my $mark = log_mark();
    my $log = nghttp(vhost => $V, paths => [$page]);
    my $text = log_since('error_log', $mark);
    my $sid = $log->sid_of($page);
    promised_ok($log, $page, [$rel, '/pol/wp/style.css'],
                'front controller, push client: <assets/rel.js> resolved against the URL asked');
    is(link_state($log, $sid, $rel), 'plain',
       'front controller, push client: the Link names the resolved path');
    is(link_state($log, $sid, '/pol/wp/missing.css'), 'nopush',
       'front controller, push client: the missing file is withheld (nopush)');
    my @md = dec_for($text, '/pol/wp/missing.css');
    ok(@md == 1 && $md[0] =~ /^link:(generated|not-found)$/,
       'front controller: the missing file: reason generated or not-found') or diag $text;
}
# (b) mod_cache's quick handler (vhost polcache: static list /pol/cache/c.css
# for the whole vhost): per-directory settings and the 103 on hits
{
    my $C = 'polcache';
    my $q = "?run=$$";
    my($c, $l) = ('/pol/cache/c.css', '/pol/cache/l.css');
    my $hit = sub {
        my $res = shift;    # [nghttp log, sid] or a curl_v result
        my @xc = ref $res eq 'ARRAY' ? $res->[0]->header($res->[1], 'x-cache')
               : map { $_->[1] } grep { $_->[0] eq 'x-cache' } @{ $res->{final}{headers} };
        return scalar grep { /^HIT/ } @xc;
    };
    for my $t (['H2PushLinks off', '/pol/cache/linksoff/page.asis', [$c]],
               ['control (Link header)', '/pol/cache/links/page.asis', [$c, $l]],
               ['H2PushResource off', '/pol/cache/res/off/page.html', []],
               ['control (static list)', '/pol/cache/res/page.html', [$c]]) {
        my($name, $path, $want) = @$t;
        my $miss = curl_v(vhost => $C, path => "$path$q");
        is($miss->{status}, 200, "cache, $name: first request 200");
        ok(!$hit->($miss), "cache, $name: first request not a hit") or diag $miss->{err};
        my $log = nghttp(vhost => $C, paths => ["$path$q"]);
        my $sid = $log->sid_of("$path$q");
        ok($hit->([$log, $sid]), "cache, $name: the push client's request is a cache hit")
            or diag $log->summary;
        promised_ok($log, "$path$q", $want, "cache hit, $name: promised [@$want]");
    }
    my $eh = '/pol/cache/eh/page.html' . $q;
    my $miss = curl_v(vhost => $C, path => $eh);
    is(statuses($miss), '103 200', 'cache, H2PushEarlyHints: miss: 103 then 200');
    my $again = curl_v(vhost => $C, path => $eh);
    ok($hit->($again), 'cache, H2PushEarlyHints: second request is a hit') or diag $again->{err};
    is(count_103($again), 1, 'cache hit, H2PushEarlyHints: one 103') or diag statuses($again);
    is_deeply([block_links($again->{interim}[0])], ["<$c>; rel=preload; as=style"],
              'cache hit, H2PushEarlyHints: the 103 links');
}
# (c) mod_http2's H2EarlyHint beside the static list: one 103 with both
{
    my $page = '/pol/native/page.html';
    my $np = nghttp(vhost => $V, paths => [$page], no_push => 1);
    my @b = h2_103_links($np, $np->sid_of($page));
    is(scalar @b, 1, 'H2EarlyHint + static list, h2 --no-push: one 103') or diag $np->summary;
    is_deeply([sort(link_targets(@{ $b[0] || [] }))], ['/pol/native.css', $OK],
              'H2EarlyHint + static list, h2 --no-push: both links in it') or diag $np->summary;
    my $p = nghttp(vhost => $V, paths => [$page]);
    promised_ok($p, $page, ['/pol/native.css', $OK], 'H2EarlyHint + static list, push client: both promised');

    my $miss = '/pol/native/miss.html';
    my $mark = log_mark();
    my $pm = nghttp(vhost => $V, paths => [$miss]);
    my $text = log_since('error_log', $mark);
    promised_ok($pm, $miss, [$OK], 'H2EarlyHint of a missing file, push client: not promised');
    is_deeply([dec_for($text, '/pol/native-missing.css')], ['interim:not-found'],
              'H2EarlyHint of a missing file: decided as interim, not-found') or diag $text;
    my $nm = nghttp(vhost => $V, paths => [$miss], no_push => 1);
    my @bm = h2_103_links($nm, $nm->sid_of($miss));
    is_deeply(\@bm, [[$OKL]], 'H2EarlyHint of a missing file, h2 --no-push: one 103, without it')
        or diag $nm->summary;
}
# (d) h2c Upgrade: one 103, on the h2 stream
{
    my $r = curl_v(vhost => 'polupg', path => '/pol/upg/page.html', http => 'upgrade');
    is(statuses($r), '101 103 200', 'h2c Upgrade: 101, then 103 and 200 (no HTTP/1.1 103)')
        or diag $r->{err};
    is(count_103($r), 1, 'h2c Upgrade: exactly one 103');
    my($h103) = grep { $_->{status} == 103 } @{ $r->{blocks} };
    like($h103 ? $h103->{line} : '', qr{^HTTP/2 103}, 'h2c Upgrade: the 103 is an h2 one');
    is_deeply([block_links($h103)], [$OKL], 'h2c Upgrade: the 103 links');
}
# (e) one Link per target
{
    for my $c (['Header add Link + H2PushResource', '/pol/dup/hdr.html'],
               ['HTML scan + H2PushResource', '/pol/dup/scan.html']) {
        my($name, $page) = @$c;
        my $np = nghttp(vhost => $V, paths => [$page], no_push => 1);
        my @l = $np->links_to($np->sid_of($page), $OK);
        is(scalar @l, 1, "$name, h2 --no-push: one Link for the target") or diag $np->summary;
        my $p = nghttp(vhost => $V, paths => [$page]);
        promised_ok($p, $page, [$OK], "$name, push client: promised once");
        cmp_ok(scalar(my @pl = $p->links_to($p->sid_of($page), $OK)), '<=', 1,
               "$name, push client: at most one Link for the target") or diag $p->summary;
        my $r = curl_v(vhost => $V, path => $page);
        is(scalar(my @fl = grep { m{^<\Q$OK\E>} } block_links($r->{final})), 1,
           "$name, HTTP/1.1: one Link for the target") or diag $r->{err};
    }
}

# ==========================================================================
# 12. Counters and logs
# ==========================================================================
{
    my @refused = sub { grep { /^learned\.refused\./ } keys %{ $_[0] || {} } }->(status_json_of('pollearn'));
    ok(@refused > 0, 'status (vhost pollearn): learned.refused counters exist');
    my $s1 = status_json_of('pollearn');
    my $s2 = status_json_of('pollearn');
    my $d = status_delta($s1, $s2);
    is_deeply({ map { $_ => $d->{$_} } grep { $d->{$_} } @refused }, {},
              'reading the status page twice moves no learned.refused counter') or diag explain $d;
    # the counters do move for a real refusal
    my $r = curl_v(vhost => 'pollearn', path => '/pol/learn/private.html');
    is($r->{status}, 200, 'control: a Cache-Control: private page on vhost pollearn');
    my $dc = status_delta($s2, status_json_of('pollearn'));
    is($dc->{'learned.refused.private'}, 1, 'control: learned.refused.private +1')
        or diag explain $dc;
}
{
    my $page = '/pol/trace/page.html';
    my $mark = log_mark();
    my $log = nghttp(vhost => $V, paths => [$page]);
    my $text = log_since('error_log', $mark);
    my @t = grep { m{h2push verify /pol/nothere\.css} } split /\n/, $text;
    is(scalar @t, 1, 'trace1: one lookup line for the missing target') or diag $text;
    like($t[0] // '', qr{h2push verify /pol/nothere\.css: lookup status \d+, handler \S+, type \S+, no file: not-found$},
         'trace1: the line says there is no file: not-found');
}
{
    my @ah = grep { /AH109\d\d/ } split /\n/, log_since('error_log', 0);
    is_deeply(\@ah, [], 'error_log: no line with an AH109xx number (httpd\'s own range)');
}

# ==========================================================================
# A nested Preload selector reads a proxied document whose backend sends a
# 103 of its own: that 103 belongs to the document, not to the page being
# answered, and must not reach the client on the page's stream
# ==========================================================================
{
    my $page = '/pol/vul/list.jsonld';
    my $item = '/pol/be/item.json';
    my $raw = backend103_raw($be, '/pol-be/item.json');
    like($raw, qr{^HTTP/1\.1 103 .*\Q$OK\E.*^HTTP/1\.1 200 }ms,
         'nested fetch: fixture: the backend sends a 103 with ok.css, then 200');
    my $mark = log_mark();
    my $log = nghttp(vhost => $V, paths => [$page],
                     headers => ['preload: "/items/*/rel"']);
    my $text = log_since('error_log', $mark);
    my $sid = $log->sid_of($page);
    is($log->status($sid), 200, 'nested fetch: the page 200');
    # (the proxied document itself is generated: not pushed by default)
    promised_ok($log, $page, ['/pol/ok2.css'],
                'nested fetch: what the document links promised, nothing else');
    my @b = map { @$_ } h2_103_links($log, $sid);
    ok(!grep({ index($_, $OK) >= 0 } @b),
       "nested fetch: the document's own 103 (ok.css) not on the page's stream")
        or diag explain \@b;
    like($text, qr{h2push preload: fetched \Q$item\E for a nested selector: ok},
         'nested fetch: the document was read through the proxy') or diag $text;

    # HTTP/1.1: a 1xx written on the connection would precede the page's 200
    my $r = curl_v(vhost => $V, path => $page,
                   headers => ['Preload: "/items/*/rel"']);
    is($r->{status}, 200, 'nested fetch, HTTP/1.1: 200');
    is(count_103($r), 0, "nested fetch, HTTP/1.1: no 103 (the document's is not the page's)")
        or diag statuses($r);
    like(join(',', header_values($r->{final}, 'link')), qr{</pol/ok2\.css>},
         'nested fetch, HTTP/1.1: the Link for what the document links');
}

backend103_stop($be);
done_testing();
