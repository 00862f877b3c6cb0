# The lookups' cache: what a lookup found is reused for the same client
# and request headers for one second at most, and never once the file or
# an .htaccess file on its path changed (t/conf/lkcache.conf.in).  Each
# change below is followed at once (well within the second) by requests
# that must see it; a bounded loop first shows that a result really comes
# from the cache ("as looked up" in the trace log), so that the checks
# after each change exercise it.  Requests may land in any child process,
# each with a cache of its own: every answer must be right either way.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use H2PushTest qw(:all);
use File::Path ();

my $V = 'h2hints';
my $page = '/lkc/page.html';
my $target = '/lkc/t/a.css';
my $css = htdocs_file($target);
my $ht = htdocs_file('/lkc/t/.htaccess');
File::Path::mkpath(htdocs_file('/lkc/t'));
File::Path::mkpath(htdocs_file('/lkc/ip'));
file_put(htdocs_file($page), "<!doctype html><title>p</title>\n");
file_put(htdocs_file('/lkc/ippage.html'), "<!doctype html><title>p</title>\n");
file_put(htdocs_file('/lkc/ip/a.css'), "a{}\n");
chmod 0755, htdocs_file('/lkc'), htdocs_file('/lkc/t'), htdocs_file('/lkc/ip');
END { File::Path::rmtree(htdocs_file('/lkc')) }

sub put_css { file_put($css, $_[0]); chmod 0644, $css }

# n visits from a push client: the promised paths of each
sub pushes {
    my $n = shift || 1;
    return map {
        my $log = nghttp(vhost => $V, paths => [$page]);
        [ $log->promised_paths($log->sid_of($page)) ]
    } 1 .. $n;
}

sub all_pushed { my $want = shift; return !grep { "@$_" ne $want } @_ }

put_css("a{}\n");
ok(all_pushed($target, pushes(1)), 'a file: pushed');

# the cache is used: a later visit's lookup is answered from it
my $hit = 0;
for (1 .. 20) {
    my $mark = log_mark();
    pushes(1);
    $hit = 1, last if log_since('error_log', $mark)
        =~ m{h2push verify \Q$target\E: as looked up \d+ ms ago: promised};
}
ok($hit, 'a lookup is answered from the cache (trace: "as looked up")');

unlink $css;
ok(all_pushed('', pushes(4)), 'the file removed: no longer pushed, at once');

put_css("a{}\n");
ok(all_pushed($target, pushes(4)), 'the file back: pushed (a missing file is never cached)');

put_css('x' x 4096);
ok(all_pushed('', pushes(4)), 'the file grown past H2PushMaxSize 2K: no longer pushed');

put_css("a{}\n");
ok(all_pushed($target, pushes(2)), 'small again: pushed');
file_put($ht, "Require all denied\n");
chmod 0644, $ht;
ok(all_pushed('', pushes(4)), 'an .htaccess denying the directory: no longer pushed, at once');
unlink $ht;
ok(all_pushed($target, pushes(2)), '.htaccess gone: pushed again');

# Access by client address: what 127.0.0.1 may read is not hinted to
# 127.0.0.2 from the cache (the client's address is part of the key)
sub hint_from {
    my $ip = shift;
    my $r = curl_v(vhost => $V, path => '/lkc/ippage.html', http => '2',
                   interface => $ip);
    my @b = grep { $_->{status} == 103 } @{ $r->{interim} || [] };
    return join ' ', map { block_links($_) } @b;
}
like(hint_from('127.0.0.1'), qr{</lkc/ip/a\.css>}, '127.0.0.1: hinted in a 103');
like(hint_from('127.0.0.1'), qr{</lkc/ip/a\.css>}, '127.0.0.1 again: hinted');
is(hint_from('127.0.0.2'), '', '127.0.0.2 (Require ip 127.0.0.1): not hinted, whatever was cached');
my $res2 = curl_v(vhost => $V, path => '/lkc/ip/a.css', http => '2', interface => '127.0.0.2');
is($res2->{status}, 403, 'fixture: 127.0.0.2 gets 403 for /lkc/ip/a.css');

done_testing();
