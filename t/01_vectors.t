# Link header parsing: mod_http2's own push test vectors (exact headers
# from mod_asis files, and from mod_headers), plus RFC 8288 cases.
# Every page is fetched on a fresh connection (no diary effects).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use H2PushTest qw(:all);

my $css = '/vec/006.css';
my $js  = '/vec/006.js';

# [ vhost, page, [expected promised paths], description ]
my @cases = (
    [h2tls => '/vec/v1.asis',  [$css],      'rel=preload + rel=preloadX: only the preload'],
    [h2tls => '/vec/v2.asis',  [$js],       'rel=preloa (not preload) then rel=preload'],
    [h2tls => '/vec/v3.asis',  [$js],       'malformed first element, then a good one'],
    [h2tls => '/vec/v4.asis',  [],          'rel=preloa alone: no push'],
    [h2tls => '/vec/v5.asis',  [$css],      'rel="preload push"'],
    [h2tls => '/vec/v6.asis',  [$css],      'rel="push preload"'],
    [h2tls => '/vec/v7.asis',  [$css],      'rel="abc preload push"'],
    [h2tls => '/vec/v8.asis',  [],          'rel="preload"; nopush: no push'],
    [h2tls => '/vec/v9.asis',  ['/vec/b.js'], '</a.css;rel=preload, </b.js>; rel=preload: only b.js'],
    [h2tls => '/vec/v10.asis', [$css, $js], 'comma and <...> inside a quoted param'],
    [h2tls => '/vec/v11.asis', [$css, $js], 'two Link header lines'],
    [h2tls => '/vec/v12.asis', [$css],      'REL="Preload": rel is case-insensitive'],
    [h2c   => '/vec/h1.html',  [$css],      'mod_headers: preload + preloadX'],
    [h2c   => '/vec/h2.html',  [$css, $js], 'mod_headers: quoted rel, REL=Preload'],
);

my %log;
for my $c (@cases) {
    my($vhost, $page, $want, $desc) = @$c;
    my $log = $log{$page} = nghttp(vhost => $vhost, paths => [$page]);
    my $sid = $log->sid_of($page);
    is($log->status($sid), 200, "$page: 200");
    promised_ok($log, $page, $want, "$page ($vhost): $desc");
    # every pushed stream is answered 200 with the file
    my @bad = grep {
        my $ps = $log->pushed_stream($_);
        !$ps || ($ps->{status} // 0) != 200
            || $ps->{data} != -s htdocs_file($_)
    } @$want;
    is_deeply(\@bad, [], "$page: pushed streams 200 with the whole file")
        or diag $log->summary;
    # a promised link stays in the response as a plain preload
    my @notplain = grep { link_state($log, $sid, $_) ne 'plain' } @$want;
    is_deeply(\@notplain, [], "$page: promised links stay plain preloads")
        or diag $log->summary;
}

# Details of the response Link headers
{
    my $log = $log{'/vec/v1.asis'};
    my $sid = $log->sid_of('/vec/v1.asis');
    is(link_state($log, $sid, $js), 'other',
       'v1: the rel=preloadX link is passed on, not a preload');
}
{
    my $log = $log{'/vec/v8.asis'};
    my $sid = $log->sid_of('/vec/v8.asis');
    is(link_state($log, $sid, $css), 'nopush', 'v8: nopush link kept');
}
{
    my $log = $log{'/vec/v9.asis'};
    my $sid = $log->sid_of('/vec/v9.asis');
    my @a = grep { /a\.css/ } $log->link_headers($sid);
    is_deeply(\@a, [], 'v9: the malformed link-value is dropped')
        or diag $log->summary;
}
{
    my $log = $log{'/vec/v3.asis'};
    my $sid = $log->sid_of('/vec/v3.asis');
    my @a = grep { /preloadX/ } $log->link_headers($sid);
    is_deeply(\@a, [], 'v3: the malformed link-value is dropped')
        or diag $log->summary;
}
{
    my $log = $log{'/vec/v10.asis'};
    my $sid = $log->sid_of('/vec/v10.asis');
    ok(!grep({ $_ eq '/vec/a.css' } $log->promised_paths),
       'v10: no push of the <...> inside a quoted string');
    like(join("\n", $log->link_headers($sid)), qr/title="a, <\/vec\/a\.css>; rel=preload"/,
         'v10: the quoted title is passed on intact') or diag $log->summary;
}

done_testing();
