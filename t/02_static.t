# H2PushResource: the static push list.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use H2PushTest qw(:all);

my $page = '/static/page.html';
my @list = ('/static/s1.css', '/static/s2.js');

# GET: both entries pushed, before the response HEADERS
{
    my($log, $d) = counted(sub { nghttp(vhost => 'h2tls', paths => [$page]) });
    my $sid = $log->sid_of($page);
    is($log->status($sid), 200, 'GET: 200');
    promised_ok($log, $page, \@list, 'GET: the static list is promised');
    my $hi = $log->frame_index(dir => 'recv', type => 'HEADERS',
                               stream => $sid, status => 200);
    my @late = grep {
        my $pi = $log->frame_index(type => 'PUSH_PROMISE', path => $_);
        !defined $pi || !defined $hi || $pi > $hi
    } @list;
    is_deeply(\@late, [], 'GET: PUSH_PROMISEs precede the response HEADERS')
        or diag $log->summary;
    for my $p (@list) {
        my $ps = $log->pushed_stream($p);
        is($ps && $ps->{status}, 200, "GET: pushed $p answered 200");
    }
    is($d->{promised}, 2, 'status: promised +2') or diag explain $d;
}

# With H2EarlyHints on, the client sees the 103 that carried the list
{
    my $log = nghttp(vhost => 'h2hints', paths => [$page]);
    my $sid = $log->sid_of($page);
    is($log->status($sid), 200, '103: final status 200');
    promised_ok($log, $page, \@list, '103: the static list is promised');
    my @blocks = @{ $log->{streams}{$sid}{blocks} || [] };
    my($hints) = grep { grep { $_->[0] eq ':status' && $_->[1] eq '103' } @$_ } @blocks;
    ok($hints, '103: an Early Hints response reached the client') or diag $log->summary;
    my @l = map { split_link_values($_->[1]) } grep { $_->[0] eq 'link' } @{ $hints || [] };
    my @missing = grep { my $p = $_; !grep { /^<\Q$p\E>;.*rel=preload/ } @l } @list;
    is_deeply(\@missing, [], '103: it lists the static entries as preloads')
        or diag explain \@l;
    my $h103 = $log->frame_index(dir => 'recv', type => 'HEADERS', stream => $sid, status => 103);
    my $h200 = $log->frame_index(dir => 'recv', type => 'HEADERS', stream => $sid, status => 200);
    ok(defined $h103 && defined $h200 && $h103 < $h200, '103: before the 200');
}

# HEAD: nothing pushed
{
    my $log = nghttp(vhost => 'h2tls', paths => [$page], method => 'HEAD');
    is($log->status($log->sid_of($page)), 200, 'HEAD: 200');
    promised_ok($log, $page, [], 'HEAD: nothing promised');
}

# A client that refuses pushes (SETTINGS_ENABLE_PUSH=0) gets the list as
# Link headers
{
    my($log, $d) = counted(sub { nghttp(vhost => 'h2tls', paths => [$page], no_push => 1) });
    my $sid = $log->sid_of($page);
    is($log->status($sid), 200, '--no-push: 200');
    is(scalar $log->promises, 0, '--no-push: no PUSH_PROMISE');
    is(link_state($log, $sid, $_), 'plain', "--no-push: Link <$_>; rel=preload")
        or diag $log->summary for @list;
    like(join(',', $log->links_to($sid, '/static/s1.css')), qr/;\s*critical\b/,
         '--no-push: the critical attribute is kept');
    # for a client without push the list is a set of hints (Link headers)
    is($d->{hinted}, 2, 'status: hinted +2')
        or diag explain $d;
}

# HTTP/1.1 and curl's h2 (which never takes pushes): Link headers
for my $v (['main', '1.1'], ['h2tls', '2'], ['h2c', '2']) {
    my($vhost, $http) = @$v;
    my $res = H2PushTest::http(vhost => $vhost, path => $page, http => $http);
    is($res->{status}, 200, "curl HTTP/$http ($vhost): 200");
    my @l = map { split_link_values($_) } H2PushTest::header_values($res, 'link');
    my @missing = grep { my $p = $_; !grep { /^<\Q$p\E>;.*rel=preload/ } @l } @list;
    is_deeply(\@missing, [], "curl HTTP/$http ($vhost): Link headers for the list")
        or diag $res->{raw_headers};
}

# Attributes: as=, crossorigin, nopush
{
    my($log, $d) = counted(sub { nghttp(vhost => 'h2c', paths => ['/static/attrs.html']) });
    promised_ok($log, '/static/attrs.html', ['/static/font.woff2', '/static/s1.css'],
                'attrs: the nopush entry is not promised');
    is($d->{'skipped.nopush'}, 1, 'status: nopush +1') or diag explain $d;

    my $np = nghttp(vhost => 'h2c', paths => ['/static/attrs.html'], no_push => 1);
    my $sid = $np->sid_of('/static/attrs.html');
    my($font) = $np->links_to($sid, '/static/font.woff2');
    like($font // '', qr/;\s*as=font\b/, 'attrs: as=font kept') or diag $np->summary;
    like($font // '', qr/;\s*crossorigin\b/, 'attrs: crossorigin kept');
    like(join(',', $np->links_to($sid, '/static/s1.css')), qr/;\s*as=style\b/,
         'attrs: as=style kept');
    ok(scalar($np->links_to($sid, '/static/np.css')), 'attrs: nopush entry listed')
        or diag $np->summary;
}

# GET pushes, POST does not (same CGI, same list)
{
    my $log = nghttp(vhost => 'h2tls', paths => ['/cgi-bin/echo.cgi']);
    is($log->status($log->sid_of('/cgi-bin/echo.cgi')), 200, 'CGI GET: 200');
    promised_ok($log, '/cgi-bin/echo.cgi', ['/static/s1.css'], 'CGI GET: pushed');

    my $body = "x" x 1000;
    my $post = nghttp(vhost => 'h2tls', paths => ['/cgi-bin/echo.cgi'], data => $body);
    my $sid = $post->sid_of('/cgi-bin/echo.cgi');
    is($post->{streams}{$sid}{request}{':method'}, 'POST', 'POST: sent as POST');
    is($post->status($sid), 200, 'POST: 200');
    promised_ok($post, '/cgi-bin/echo.cgi', [], 'POST: nothing promised');
}

# A slow handler: the static list is promised before it answers
{
    my $log = nghttp(vhost => 'h2tls', paths => ['/cgi-bin/slow.cgi']);
    my $sid = $log->sid_of('/cgi-bin/slow.cgi');
    is($log->status($sid), 200, 'slow CGI: 200');
    promised_ok($log, '/cgi-bin/slow.cgi', ['/static/slow.css'], 'slow CGI: pushed');
    my $pi = $log->frame_index(type => 'PUSH_PROMISE', path => '/static/slow.css');
    my $hi = $log->frame_index(dir => 'recv', type => 'HEADERS', stream => $sid,
                               status => 200);
    ok(defined $pi && defined $hi && $pi < $hi,
       'slow CGI: PUSH_PROMISE before the response HEADERS') or diag $log->summary;
    my $ps = $log->pushed_stream('/static/slow.css');
    my $end;
    if ($ps) {
        ($end) = grep { $log->{frames}[$_]{end_stream} } @{ $ps->{frames} };
    }
    ok(defined $end && defined $hi && $end < $hi,
       'slow CGI: the pushed response is complete before the page HEADERS')
        or diag $log->summary;
}

# Inheritance: vhost list + directory list; "off" clears; .htaccess adds
{
    my @c = (
        ['/inherit/page.html',        ['/inherit/v.css']],
        ['/inherit/dir/page.html',    ['/inherit/v.css', '/inherit/d.css']],
        ['/inherit/off/page.html',    []],
        ['/inherit/offadd/page.html', ['/inherit/o.css']],
        ['/inherit/ht/page.html',     ['/inherit/v.css', '/inherit/h.css']],
    );
    for my $c (@c) {
        my $log = nghttp(vhost => 'h2inherit', paths => [$c->[0]]);
        is($log->status($log->sid_of($c->[0])), 200, "inherit $c->[0]: 200");
        promised_ok($log, $c->[0], $c->[1], "inherit $c->[0]: promised list");
    }
    # the same directory on a vhost without a list of its own
    my $log = nghttp(vhost => 'h2c', paths => ['/inherit/dir/page.html']);
    promised_ok($log, '/inherit/dir/page.html', ['/inherit/d.css'],
                'h2c /inherit/dir: the directory list only');
}

done_testing();
