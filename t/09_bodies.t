# Pushed bodies are the files (python3-h2 client, its own frame handling).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use H2PushTest qw(:all);

my $page = '/bodies/page.html';
my @pushed = ('/bodies/b.css', '/bodies/b.js', '/bodies/blob.bin');
my %type = ('/bodies/b.css' => 'text/css', '/bodies/b.js' => 'application/javascript',
            '/bodies/blob.bin' => 'application/octet-stream');

for my $vhost (qw(h2tls h2c)) {
    my $res = h2client(vhost => $vhost, paths => [$page]);
    ok(!$res->{error}, "$vhost: client finished") or diag explain $res;
    my %by_path;
    for my $s (values %{ $res->{streams} || {} }) {
        $by_path{$s->{pushed} ? 'push' : 'req'}{$s->{path} // ''} = $s;
    }
    my $main = $by_path{req}{$page};
    is($main && $main->{status}, 200, "$vhost: page 200");
    is($main && $main->{sha256}, sha256_file(htdocs_file($page)), "$vhost: page body");
    is_deeply([sort map { $_->{path} } @{ $res->{promises} || [] }], [sort @pushed],
              "$vhost: promised paths") or diag explain $res->{promises};
    for my $p (@pushed) {
        my $s = $by_path{push}{$p};
        is($s && $s->{status}, 200, "$vhost: pushed $p: 200");
        is($s && $s->{parent}, $main && $main->{id}, "$vhost: pushed $p: on the page's stream");
        my %h = map { @$_ } @{ $s ? $s->{headers} : [] };
        like($h{'content-type'} // '', qr/^\Q$type{$p}\E/, "$vhost: pushed $p: content-type");
        is($s && $s->{length}, -s htdocs_file($p), "$vhost: pushed $p: length");
        is($s && $s->{sha256}, sha256_file(htdocs_file($p)), "$vhost: pushed $p: body = file");
    }
    # promises come before the page's response headers
    my @order = @{ $res->{order} || [] };
    my($hi) = grep { $order[$_] =~ /^HEADERS \Q$main->{id}\E 200/ } 0 .. $#order if $main;
    my @late = grep { $order[$_] =~ /^PUSH_PROMISE/ && (!defined $hi || $_ > $hi) } 0 .. $#order;
    is_deeply(\@late, [], "$vhost: PUSH_PROMISEs before the page HEADERS") or diag explain \@order;
}

# A client with push disabled gets none, and the same page body
{
    my $res = h2client(vhost => 'h2tls', paths => [$page], no_push => 1);
    ok(!$res->{error}, 'no push: client finished') or diag explain $res;
    is(scalar @{ $res->{promises} || [1] }, 0, 'no push: no promises');
    my($s) = values %{ $res->{streams} || {} };
    is($s && $s->{sha256}, sha256_file(htdocs_file($page)), 'no push: page body');
}

done_testing();
