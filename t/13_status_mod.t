# The module's counters in mod_status's server-status (an HTML section and
# "H2Push<Name>: n" lines with ?auto) and on its own page with ?auto; the
# version and the start-up line.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use H2PushTest qw(:all);
use File::Spec ();

# the one version: src/h2p_version.h
my $hdr = file_content(File::Spec->catfile(Apache::Test::vars('top_dir'),
                                           'src', 'h2p_version.h')) // '';
my ($version) = $hdr =~ /^#define MOD_H2PUSH_VERSION "([^"]+)"/m;
ok(defined $version && $version =~ /^\d+\.\d+\.\d+/, "version $version in src/h2p_version.h")
    or $version = '?';

# JSON name -> ?auto name: learned.refused.no-store -> H2PushLearnedRefusedNoStore
sub auto_name {
    my $n = shift;
    return 'H2Push' . join '', map { ucfirst } split /[.\-_]/, $n;
}

sub auto_of {
    my $path = shift;
    my $res = H2PushTest::http(vhost => 'main', path => $path);
    my %v;
    for (split /\n/, $res->{body}) {
        $v{$1} = $2 if /^([A-Za-z][A-Za-z0-9]*): (.*)$/;
    }
    return ($res, \%v);
}

my $json = status_json();
ok($json && keys %$json > 30, 'h2push-status?json: the counters') or $json = {};
my @names = sort keys %$json;

for my $page ('/h2push-status?auto', '/server-status?auto') {
    my ($res, $v) = auto_of($page);
    is($res->{status}, 200, "$page: 200");
    like(join(',', H2PushTest::header_values($res, 'content-type')),
         qr{^text/plain}, "$page: text/plain");
    is($v->{H2PushVersion}, $version, "$page: H2PushVersion");
    my @missing = grep { !defined $v->{auto_name($_)} } @names;
    is_deeply(\@missing, [], "$page: a line for every JSON counter")
        or diag $res->{body};
    my @bad = grep { /^H2Push/ && $_ ne 'H2PushVersion' && $v->{$_} !~ /^\d+$/ }
        keys %$v;
    is_deeply(\@bad, [], "$page: every H2Push counter a whole number");
    my $n = grep { /^H2Push/ } keys %$v;
    is($n, @names + 1, "$page: no other H2Push line");
}
{
    my ($res, $v) = auto_of('/server-status?auto');
    ok(defined $v->{'Total Accesses'} || $res->{body} =~ /^ServerVersion: /m,
       "server-status?auto: mod_status's own lines are still there");
    like($res->{body}, qr/^ServerVersion: .*mod_h2push\/\Q$version\E/m,
         'ServerVersion names mod_h2push/version (ServerTokens Full)');
}

# HTML server-status: a section with the counters
{
    my $res = H2PushTest::http(vhost => 'main', path => '/server-status');
    is($res->{status}, 200, 'server-status: 200');
    like($res->{body}, qr{<h2>mod_h2push/\Q$version\E</h2>}, 'server-status: the module section');
    like($res->{body}, qr{<tr><th>promised</th><td>\d+</td></tr>}, 'server-status: promised row');
    like($res->{body}, qr{<tr><th>skipped: not-same-origin</th><td>\d+</td></tr>},
         'server-status: a skip reason row');
    like($res->{body}, qr{<tr><th>not learned: no-store</th><td>\d+</td></tr>},
         'server-status: a refusal row');
    my $nt = H2PushTest::http(vhost => 'main', path => '/server-status?notable');
    like($nt->{body}, qr{promised: \d+<br />}, 'server-status?notable: lines without a table');
    my $own = H2PushTest::http(vhost => 'main', path => '/h2push-status');
    like($own->{body}, qr{mod_h2push/\Q$version\E}, 'h2push-status: the version');
}

# The counters move after a request that pushes: static /log/l2.js and Link
# /log/l1.css promised, /log/nothere.css not found (as in t/10_status.t)
{
    my (undef, $a1) = auto_of('/server-status?auto');
    my (undef, $o1) = auto_of('/h2push-status?auto');
    my $h1 = H2PushTest::http(vhost => 'main', path => '/server-status')->{body};
    my $log = nghttp(vhost => 'h2c', paths => ['/log/page.html']);
    promised_ok($log, '/log/page.html', ['/log/l1.css', '/log/l2.js'], 'page pushed');
    my (undef, $a2) = auto_of('/server-status?auto');
    my (undef, $o2) = auto_of('/h2push-status?auto');
    my $h2 = H2PushTest::http(vhost => 'main', path => '/server-status')->{body};
    is(($a2->{H2PushPromised} // 0) - ($a1->{H2PushPromised} // 0), 2,
       'server-status?auto: H2PushPromised +2');
    is(($a2->{H2PushSkippedNotFound} // 0) - ($a1->{H2PushSkippedNotFound} // 0), 1,
       'server-status?auto: H2PushSkippedNotFound +1');
    is(($o2->{H2PushPromised} // 0) - ($o1->{H2PushPromised} // 0), 2,
       'h2push-status?auto: H2PushPromised +2');
    ok(($o2->{H2PushLinks} // 0) - ($o1->{H2PushLinks} // 0) >= 3,
       'h2push-status?auto: H2PushLinks +3');
    my ($p1) = $h1 =~ m{<tr><th>promised</th><td>(\d+)</td>};
    my ($p2) = $h2 =~ m{<tr><th>promised</th><td>(\d+)</td>};
    is(($p2 // 0) - ($p1 // 0), 2, 'server-status HTML: promised +2');
}

# The start-up line, at notice, like httpd's own
{
    my $log = file_content(H2PushTest::log_path('error_log')) // '';
    like($log, qr{\[h2push:notice\] \[pid \d+(?::tid \d+)?\] mod_h2push/\Q$version\E \(mod_http2 \d+\.\d+\.\d+[^)]*\) configured},
         'start-up: "mod_h2push/version (mod_http2 x.y.z) configured" at notice');
}

done_testing();
