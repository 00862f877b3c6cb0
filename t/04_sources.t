# Links from any handler push: a CGI script, and a backend behind
# mod_proxy_http (the main server, over HTTP/1.1).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use H2PushTest qw(:all);

for my $vhost (qw(h2tls h2c)) {
    my $log = nghttp(vhost => $vhost, paths => ['/cgi-bin/link.cgi']);
    my $sid = $log->sid_of('/cgi-bin/link.cgi');
    is($log->status($sid), 200, "$vhost CGI: 200");
    promised_ok($log, '/cgi-bin/link.cgi', ['/src/cgi.css'], "$vhost CGI: Link pushed");
    like(join(',', $log->links_to($sid, '/src/cgi.css')), qr/;\s*as=style\b/,
         "$vhost CGI: as=style kept");
    my $ps = $log->pushed_stream('/src/cgi.css');
    is($ps && $ps->{status}, 200, "$vhost CGI: pushed stream 200");
}

for my $vhost (qw(h2tls h2c)) {
    my $log = nghttp(vhost => $vhost, paths => ['/proxied/page.asis', '/proxied/hdr.html']);
    my $s1 = $log->sid_of('/proxied/page.asis');
    my $s2 = $log->sid_of('/proxied/hdr.html');
    is($log->status($s1), 200, "$vhost proxy (asis backend): 200");
    is_deeply([$log->header($s1, 'x-backend')], ['asis'],
              "$vhost proxy: the response came from the backend");
    promised_ok($log, '/proxied/page.asis', ['/src/proxy.css'],
                "$vhost proxy (asis backend): Link pushed");
    is($log->status($s2), 200, "$vhost proxy (mod_headers backend): 200");
    promised_ok($log, '/proxied/hdr.html', ['/src/proxy2.css'],
                "$vhost proxy (mod_headers backend): Link pushed");
}

# The backend, asked directly over HTTP/1.1, passes its Link unchanged
{
    my $res = H2PushTest::http(vhost => 'main', path => '/backend/page.asis');
    is($res->{status}, 200, 'backend direct: 200');
    is_deeply([H2PushTest::header_values($res, 'link')],
              ['</src/proxy.css>; rel=preload'],
              'backend direct (HTTP/1.1): Link untouched') or diag $res->{raw_headers};
}

done_testing();
