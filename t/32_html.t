# H2PushFromHTML: <link rel=preload|modulepreload> in the head of text/html
# responses become Link headers (pushed, hinted and learned like any other),
# the body passing unchanged.  The scan stops at </head>, <body>, the cap
# (H2PushHTMLScanMax, default 32K), a flush, or at once when the body does
# not start with "<".  Configuration: t/conf/hints.conf.in (/html/ on;
# /html/off/, /html/cap1k/, /html/cap64k/ alias the same files).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use H2PushTest qw(:all);
use Digest::SHA ();
use File::Spec ();

my $V = 'h2eh';       # h2c + HTTP/1.1, no learning, no static list here
my $page = '/html/page.html';

# what the head of page.html must give, in document order
my @found = (
    '</html/a.css>; rel=preload; as=style',                    # attributes in another order
    '<b.js>; rel=preload; as=script',                          # unquoted, relative
    '</html/c&d.css>; rel=preload',                            # &amp;, upper case, rel list
    '</html/f.woff2>; rel=preload; as=font; crossorigin; type="font/woff2"',  # &#47;, newline
    '</html/m.js>; rel=modulepreload',
    '<https://other.example/x.css>; rel=preload; as=style',
);
# same-origin preloads: pushed (the modulepreload too, since issue 11)
my @pushed = ('/html/a.css', '/html/b.js', '/html/c&d.css', '/html/f.woff2',
              '/html/m.js');

# Known deviation (see the report): a Content-Encoding set by a CGI script
# or mod_asis (ap_scan_script_header puts it in r->err_headers_out) is not
# seen, so such a body is scanned.

sub sha { Digest::SHA::sha256_hex($_[0] // '') }

sub file_sha { sha256_file(htdocs_file($_[0])) }

# --------------------------------------------------------------------------
# HTTP/1.1: the Link headers, exactly; the body byte for byte
{
    my($r, $d) = counted(sub { curl_v(vhost => $V, path => $page) });
    is($r->{status}, 200, 'page HTTP/1.1: 200');
    is_deeply([link_lines($r->{final})], \@found, 'page HTTP/1.1: the Link headers found')
        or diag explain [link_lines($r->{final})];
    is(sha($r->{body}), file_sha($page), 'page HTTP/1.1: body = file (sha256)');
    is(length $r->{body}, -s htdocs_file($page), 'page HTTP/1.1: body length = file');
    is($d->{'hints.html_links'}, scalar @found, 'status: hints.html_links +' . scalar @found)
        or diag explain $d;
}

# HEAD, HTTP/1.1 and h2: the same Link headers as GET (the handler still
# produces the body; the scan reads it before httpd drops it), no body
for my $http ('1.1', '2') {
    my $r = curl_v(vhost => $V, path => $page, http => $http, method => 'HEAD');
    is($r->{status}, 200, "HEAD HTTP/$http: 200");
    is_deeply([link_lines($r->{final})], \@found, "HEAD HTTP/$http: the Link headers of GET")
        or diag explain [link_lines($r->{final})];
    unlike($r->{body}, qr/<head|<link/i, "HEAD HTTP/$http: no body (curl -I: headers only)");
}

# h2 without push: the same links; push client: PUSH_PROMISEs for the
# same-origin preloads (the relative one resolved), not for the others
{
    my $np = nghttp(vhost => $V, paths => [$page], no_push => 1);
    my $sid = $np->sid_of($page);
    is($np->status($sid), 200, 'page h2 --no-push: 200');
    is_deeply([$np->links($sid)], \@found, 'page h2 --no-push: the Link headers found')
        or diag $np->summary;
    is($np->data_len($sid), -s htdocs_file($page), 'page h2 --no-push: body length = file');

    my $log = nghttp(vhost => $V, paths => [$page]);
    $sid = $log->sid_of($page);
    is($log->status($sid), 200, 'page push client: 200');
    promised_ok($log, $page, \@pushed, 'page push client: the head preloads are pushed');
    is(link_state($log, $sid, '/html/b.js'), 'plain',
       'page push client: the relative link goes out resolved') or diag $log->summary;
    is(link_state($log, $sid, 'https://other.example/x.css'), 'nopush',
       'page push client: the cross-origin link withheld (nopush)');
    is(join(',', $log->links_to($sid, '/html/m.js')),
       '</html/m.js>; rel=preload; as=script; crossorigin',
       'page push client: the modulepreload link is promised as a CORS script preload');
    for my $p (@pushed) {
        my $ps = $log->pushed_stream($p);
        is($ps && $ps->{status}, 200, "page push client: pushed $p answered 200");
    }
}

# python3-h2: page body and pushed bodies byte for byte
{
    my $res = h2client(vhost => $V, paths => [$page]);
    ok(!$res->{error}, 'h2client: finished') or diag explain $res;
    my %by;
    for my $s (values %{ $res->{streams} || {} }) {
        $by{$s->{pushed} ? 'push' : 'req'}{$s->{path} // ''} = $s;
    }
    my $main = $by{req}{$page};
    is($main && $main->{sha256}, file_sha($page), 'h2client: page body = file');
    is_deeply([sort map { $_->{path} } @{ $res->{promises} || [] }], [sort @pushed],
              'h2client: promised paths');
    for my $p (@pushed) {
        my $s = $by{push}{$p};
        is($s && $s->{sha256}, file_sha($p), "h2client: pushed $p = file");
    }
}

# No links: the link only in the body, a body that does not start with
# "<", a text/plain file, H2PushFromHTML off; the body passes intact
{
    my @cases = (
        ['no head (link in the body)', '/html/nohead.html', '/html/nohead.html'],
        ['not markup at the start',    '/html/notag.html',  '/html/notag.html'],
        ['text/plain',                 '/html/plain.txt',   '/html/plain.txt'],
        ['H2PushFromHTML off',         '/html/off/page.html', $page],
    );
    my $before = status_json();
    for my $c (@cases) {
        my($name, $path, $file) = @$c;
        my $r = curl_v(vhost => $V, path => $path);
        is($r->{status}, 200, "$name: 200");
        is_deeply([link_lines($r->{final})], [], "$name: no Link header added")
            or diag explain [link_lines($r->{final})];
        is(sha($r->{body}), file_sha($file), "$name: body = file");
        my $log = nghttp(vhost => $V, paths => [$path]);
        is(scalar $log->promises, 0, "$name: nothing pushed") or diag $log->summary;
    }
    my $d = status_delta($before, status_json());
    is($d->{'hints.html_links'}, 0, 'none of them: hints.html_links +0') or diag explain $d;
    # the fixtures would give links if they were scanned: /html/plain.txt
    # and /html/notag.html name /html/a.css, nohead.html /html/in-body.css
    ok(-e htdocs_file('/html/in-body.css') && -e htdocs_file('/html/a.css'),
       'fixture: the targets exist (a scan that went on would find them)');
}

# Exact headers with mod_asis: a Content-Encoding (the body is then not
# scanned: it is not plain HTML, whatever it looks like), a 404 (only 2xx
# are scanned), and the control without either
{
    my @cases = (
        ['Content-Encoding', '/html/encoded.asis', 200, []],
        ['404', '/html/notfound.asis', 404, []],
        ['control (plain 200)', '/html/plain.asis', 200, ['</html/a.css>; rel=preload']],
    );
    for my $c (@cases) {
        my($name, $path, $status, $want) = @$c;
        my(undef, $body) = split /\n\n/, file_content(htdocs_file($path)), 2;
        my $r = curl_v(vhost => $V, path => $path);
        is($r->{status}, $status, "asis $name: $status");
        is($r->{body}, $body, "asis $name: body intact");
        is_deeply([link_lines($r->{final})], $want, "asis $name: Link headers")
            or diag explain [link_lines($r->{final})];
    }
    # the same from a CGI script (PHP-FPM, SCGI... set headers the same way)
    my $r = curl_v(vhost => $V, path => '/cgi-bin/hints-html.cgi?enc');
    is($r->{status}, 200, 'CGI with Content-Encoding: 200');
    is_deeply([map { $_->[1] } grep { $_->[0] eq 'content-encoding' } @{ $r->{final}{headers} }],
              ['x-h2push-test'], 'CGI with Content-Encoding: the header is there');
    is_deeply([link_lines($r->{final})], [], 'CGI with Content-Encoding: not scanned')
        or diag explain [link_lines($r->{final})];
}

# Through mod_proxy_http (the body comes in pieces, not one file bucket):
# the same links, the same bytes; the relative link resolves against the
# proxied URL
{
    my $pp = '/html/proxied/page.html';
    my $r = curl_v(vhost => $V, path => $pp);
    is($r->{status}, 200, 'proxied page: 200');
    is_deeply([link_lines($r->{final})], \@found, 'proxied page: the Link headers found')
        or diag explain [link_lines($r->{final})];
    is(sha($r->{body}), file_sha($page), 'proxied page: body = file');
    # b.js resolves to /html/proxied/b.js, itself proxied: made by a
    # handler, not pushed without H2PushGenerated on (since issue 11)
    my $mark = log_mark();
    my $log = nghttp(vhost => $V, paths => [$pp]);
    promised_ok($log, $pp, ['/html/a.css', '/html/c&d.css', '/html/f.woff2', '/html/m.js'],
                'proxied page, push client: the same-origin files pushed');
    is_deeply([map { "$_->{path} $_->{result}" } grep { $_->{target} eq 'b.js' }
               adv_decisions(log_since('error_log', $mark))],
              ['/html/proxied/b.js generated'],
              'proxied page, push client: b.js resolved against the proxied URL, a generated target');
    my $big = curl_v(vhost => $V, path => '/html/proxied/big.html');
    is_deeply([link_lines($big->{final})], ['</html/early.css>; rel=preload'],
              'proxied big.html: the link before the cap only');
    is(sha($big->{body}), file_sha('/html/big.html'), 'proxied big.html: body = file');
}

# <base href>: base.html has <base href="/html/based/"> and a relative
# preload "t.css", which the page means as /html/based/t.css.  The module
# must not announce or push another resource: a Link "<t.css>" (relative
# to the page URL: /html/t.css) or a push of /html/t.css is wrong.  (Both
# files exist, so a wrong target passes the lookup.)
{
    my $bp = '/html/base.html';
    my $r = curl_v(vhost => $V, path => $bp);
    is($r->{status}, 200, '<base href>: 200');
    is(sha($r->{body}), file_sha($bp), '<base href>: body = file');
    my $log = nghttp(vhost => $V, paths => [$bp]);
    is($log->status($log->sid_of($bp)), 200, '<base href>, push client: 200');
    # the module leaves out what a <base href> would change
    my @wrong = grep { /^<t\.css>/ || m{^</html/t\.css>} } link_lines($r->{final});
    is_deeply(\@wrong, [], '<base href>: no Link naming /html/t.css')
        or diag explain [link_lines($r->{final})];
    my @pushed = grep { $_ eq '/html/t.css' } $log->promised_paths;
    is_deeply(\@pushed, [], '<base href>, push client: /html/t.css not pushed')
        or diag $log->summary;
}

# The cap: big.html links early.css at ~2.5K and late.css after 33K, all
# in the head.  Default 32K: early only; 1K: none; 64K: both.
{
    my $big = '/html/big.html';
    ok(-s htdocs_file($big) > 33 * 1024, 'fixture: big.html is larger than 32K');
    my @cases = (
        ['default cap (32K)', '/html/big.html',        ['</html/early.css>; rel=preload']],
        ['H2PushHTMLScanMax 1K', '/html/cap1k/big.html', []],
        ['H2PushHTMLScanMax 64K', '/html/cap64k/big.html',
         ['</html/early.css>; rel=preload', '</html/late.css>; rel=preload']],
    );
    for my $c (@cases) {
        my($name, $path, $want) = @$c;
        my $r = curl_v(vhost => $V, path => $path);
        is($r->{status}, 200, "$name: 200");
        is_deeply([link_lines($r->{final})], $want, "$name: Link headers")
            or diag explain [link_lines($r->{final})];
        is(sha($r->{body}), file_sha($big), "$name: HTTP/1.1 body = file");
        my $res = h2client(vhost => $V, paths => [$path], no_push => 1);
        my($s) = grep { !$_->{pushed} } values %{ $res->{streams} || {} };
        is($s && $s->{sha256}, file_sha($big), "$name: h2 body = file");
    }
}

# Learned from the HTML head (vhost h2learn: H2PushLearn on), replayed in a
# 103 on the next visit, the relative link resolved
{
    my $p = '/html/learn.html';
    my $key = learn_key('h2learn', $p);
    my $mark = log_mark();
    my $r1 = curl_v(vhost => 'h2learn', path => $p);
    is($r1->{status}, 200, 'learn from HTML: first visit 200');
    is(scalar @{ $r1->{interim} }, 0, 'learn from HTML: first visit: no 103');
    is_deeply([link_lines($r1->{final})],
              ['<a.css>; rel=preload', '</html/b.js>; rel=preload; as=script'],
              'learn from HTML: first visit: the Link headers found');
    my $t = wait_log('error_log', $mark, qr/h2push learn: stored \Q$key\E: /, 5);
    my($v) = $t =~ /h2push learn: stored \Q$key\E: ([^\n]*)/;
    is($v, '</html/a.css>; rel=preload, </html/b.js>; rel=preload; as=script',
       'learn from HTML: learned, the relative link resolved');
    like($t, qr{h2push html: found <a\.css>; rel=preload}, 'learn from HTML: logged as found');
    my $r2 = curl_v(vhost => 'h2learn', path => $p);
    is(scalar @{ $r2->{interim} }, 1, 'learn from HTML: second visit: one 103');
    is_deeply([link_lines($r2->{interim}[0])],
              ['</html/a.css>; rel=preload; as=style', '</html/b.js>; rel=preload; as=script'],
              'learn from HTML: second visit: the 103 links');
    is(sha($r2->{body}), file_sha($p), 'learn from HTML: second visit: body = file');
}

# A page streamed in two parts (cgi-bin/hints-html.cgi), the link in the
# second part.  In one write: found.  With a pause after the first part
# (the CGI waits until the test has received that part): the scan must
# end there (a flush), so the first part reaches the client while the CGI
# waits, and the link is not found.  Shown causally: the CGI says in its
# body whether the test reacted to the first part ("go=seen").
{
    my $cgi = '/cgi-bin/hints-html.cgi';
    my $r = curl_v(vhost => $V, path => $cgi);
    is($r->{status}, 200, 'two parts in one write: 200');
    is_deeply([link_lines($r->{final})], ['</html/late.css>; rel=preload'],
              'two parts in one write: the link is found');

    my $logs = Apache::Test::vars('t_logs');
    my $stream = sub {
        my($path, $token) = @_;
        my $go = File::Spec->catfile($logs, "hints-go-$token");
        unlink $go;
        my $res = raw_h1(vhost => $V, path => "$path?wait=$token",
                         when => qr{<title>two parts</title>},
                         then => sub { open my $fh, '>', $go; close $fh });
        unlink $go;
        return $res;
    };
    # control: H2PushFromHTML off for this path, so nothing holds the body
    my $off = $stream->("$cgi/off", "off$$");
    is($off->{status}, 200, 'paused, H2PushFromHTML off (control): 200');
    like($off->{body}, qr/go=seen/,
         'paused, H2PushFromHTML off (control): the first part arrived while the CGI waited')
        or diag $off->{raw};

    my $on = $stream->($cgi, "on$$");
    is($on->{status}, 200, 'paused, H2PushFromHTML on: 200');
    like($on->{body}, qr{^<!doctype html>\n<html><head>\n<title>two parts</title>\n<link rel="preload" href="/html/late.css">\n</head><body><p>two parts go=\w+</p></body></html>\n\z},
         'paused, H2PushFromHTML on: body intact');
    like($on->{body}, qr/go=seen/,
         'paused, H2PushFromHTML on: the first part arrived while the CGI waited')
        or diag $on->{raw};
    is_deeply([link_lines($on->{final})], [],
              'paused, H2PushFromHTML on: the scan ended at the pause: no link');
}

done_testing();
