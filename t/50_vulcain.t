# The Vulcain Preload header (H2PushPreloadHeader): what a request's
# selectors reach in its JSON response is pushed to a push client (as=fetch,
# crossorigin), announced as preload Links to anyone else, learned under the
# URL and the selectors; the response passes unchanged (Vary: Preload
# added).  Mirrors the reference gateway's own tests (dunglas/vulcain): a
# hydra collection of books that link authors.  Configuration:
# t/conf/vulcain.conf.in; documents under t/htdocs/vulcain/.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use H2PushTest qw(:all);
use Digest::SHA ();
use File::Spec ();
use JSON::PP ();
use MIME::Base64 ();

my $V = 'vulc';
my $books = '/vulcain/books.jsonld';
my @books = ('/vulcain/books/1.jsonld', '/vulcain/books/2.jsonld',
             '/vulcain/books/3.jsonld');
my @authors = ('/vulcain/authors/1.jsonld', '/vulcain/authors/2.jsonld');
my $AUTH = 'authorization: Basic '
           . MIME::Base64::encode_base64('pusher:secret', '');

sub preload { return ('preload: ' . join(', ', map { qq("$_") } @_)) }

sub file_of { my $p = shift; $p =~ s{^/vulcain-[a-z0-9]+/}{/vulcain/}; return htdocs_file($p) }

# one nghttp visit with a Preload header; its stream id
sub visit {
    my($path, %o) = @_;
    my $log = nghttp(vhost => $o{vhost} || $V, paths => [$path],
                     headers => $o{headers} || [], no_push => $o{no_push});
    return ($log, $log->sid_of($path));
}

# the response as the client saw it, less what may differ between two
# requests (Date) or what the header adds (Vary)
sub shape {
    my($log, $sid) = @_;
    my $s = $log->{streams}{$sid} || {};
    my @h = grep { $_->[0] !~ /^(date|vary)$/ } @{ $s->{headers} || [] };
    return { status => $log->status($sid), headers => \@h,
             len => $log->data_len($sid) };
}

# --------------------------------------------------------------------------
# "/hydra:member/*": each book pushed once, nothing else; the body as is
{
    my(($log, $sid), $d) = (undef, undef, undef);
    ($log, $d) = counted(sub { nghttp(vhost => $V, paths => [$books],
                                     headers => [preload('/hydra:member/*')]) },
                         vhost => $V);
    $sid = $log->sid_of($books);
    is($log->status($sid), 200, 'member/*: 200');
    promised_ok($log, $books, \@books, 'member/*: each book promised, nothing else');
    is(scalar(grep { $_->{path} eq $books[0] } $log->promises), 1,
       'member/*: a book promised once');
    is($log->data_len($sid), -s file_of($books), 'member/*: body length = file');
    like(join(',', $log->header($sid, 'vary')), qr/\bPreload\b/, 'member/*: Vary: Preload');
    is_deeply([sort map { link_targets($_) } $log->links($sid)], [sort @books],
              'member/*: a Link a book, nothing else') or diag $log->summary;
    is(join(',', $log->links_to($sid, $books[0])),
       "<$books[0]>; rel=preload; as=fetch; crossorigin",
       'member/*: promised as a CORS fetch preload');
    is(link_state($log, $sid, $books[2]), 'plain',
       'member/*: the relative "books/3.jsonld" resolved against the document URL');
    for my $b (@books) {
        my $ps = $log->pushed_stream($b);
        is($ps && $ps->{status}, 200, "member/*: pushed $b answered 200");
        is($ps && $ps->{data}, -s file_of($b), "member/*: pushed $b body length = file");
    }
    is($d->{'preload.requests'}, 1, 'status: preload.requests +1') or diag explain $d;
    is($d->{'preload.links'}, 3, 'status: preload.links +3');
    is($d->{'preload.promised'}, 3, 'status: preload.promised +3');
    is($d->{'preload.nested'} // 0, 0, 'status: no document fetched (no nested selector)');
}

# the debug log names the source
{
    my($log, $d, $err) = counted(sub { nghttp(vhost => $V, paths => ["$books?log"],
                                             headers => [preload('/hydra:member/*')]) });
    my @dec = grep { /h2push decision: source=preload-header/ } split /\n/, $err;
    is(scalar @dec, 3, 'log: three decisions with source=preload-header') or diag $err;
    like($err, qr/h2push preload: 3 links selected in 1 document/, 'log: what was selected');
}

# "/hydra:member/*/author": the books (fetched to read their authors) and
# the authors, each once (two books share author 1; book 3's is relative
# to the book: ../authors/2.jsonld)
{
    my($log, $d) = counted(sub { nghttp(vhost => $V, paths => [$books],
                                       headers => [preload('/hydra:member/*/author')]) });
    my $sid = $log->sid_of($books);
    promised_ok($log, $books, [@books, @authors],
                'member/*/author: the books and their authors, each once');
    is($d->{'preload.nested'}, 3, 'status: preload.nested +3 (each book read once)')
        or diag explain $d;
    my $pi = $log->frame_index(dir => 'recv', type => 'PUSH_PROMISE', stream => $sid);
    my $hi = $log->frame_index(dir => 'recv', type => 'HEADERS', stream => $sid);
    ok(defined $pi && defined $hi && $pi < $hi,
       'member/*/author: the promises come before the response headers')
        or diag $log->summary;
    is(scalar($log->frames(dir => 'recv', type => 'PUSH_PROMISE', stream => $sid)), 5,
       'member/*/author: five PUSH_PROMISE frames on the request stream');
    for my $a (@authors) {
        my $ps = $log->pushed_stream($a);
        is($ps && $ps->{data}, -s file_of($a), "member/*/author: pushed $a body length = file");
    }
}

# embedded members: the selector reaches the authors inside the document,
# no fetch
{
    my($log, $d) = counted(sub { nghttp(vhost => $V, paths => ['/vulcain/embedded.jsonld'],
                                       headers => [preload('/hydra:member/*/author')]) });
    promised_ok($log, '/vulcain/embedded.jsonld', \@authors,
                'embedded: the authors of embedded members, no member');
    is($d->{'preload.nested'} // 0, 0, 'embedded: nothing fetched');
}

# H2PushPreloadDepth 1: the books, not what is behind them
{
    my($log) = visit('/vulcain-d1/books.jsonld', headers => [preload('/hydra:member/*/author')]);
    promised_ok($log, '/vulcain-d1/books.jsonld', [@books[0, 1], '/vulcain-d1/books/3.jsonld'],
                'depth 1: the books only (their documents not read; the relative one under this URL)');
}

# several selectors, on two header lines, and the ?preload= query form
{
    my($log) = visit($books, headers => [preload('/hydra:member/0'), preload('/hydra:member/2')]);
    promised_ok($log, $books, [$books[0], $books[2]], 'two Preload lines: both selectors');
    ($log) = visit("$books?preload=%2Fhydra:member%2F1");
    promised_ok($log, "$books?preload=%2Fhydra:member%2F1", [$books[1]],
                '?preload= query form');
}

# H2PushMax 2: two promises, the rest as nopush Links
{
    my($log, $sid) = visit('/vulcain-max2/books.jsonld',
                           headers => [preload('/hydra:member/*')]);
    my @p = $log->promised_paths($sid);
    is(scalar @p, 2, 'H2PushMax 2: two promises') or diag $log->summary;
    my @rest = grep { my $b = $_; !grep { $_ eq $b } @p }
               (@books[0, 1], '/vulcain-max2/books/3.jsonld');
    is(scalar @rest, 1, 'H2PushMax 2: one book left');
    is(link_state($log, $sid, $rest[0]), 'nopush', 'H2PushMax 2: the third as a nopush Link');
}

# cross-origin values: nopush Links only
{
    my($log, $sid) = visit('/vulcain/cross.jsonld', headers => [preload('/hydra:member/*')]);
    is(scalar($log->promises), 0, 'cross-origin: no promise') or diag $log->summary;
    is(link_state($log, $sid, 'https://other.example/b.jsonld'), 'nopush',
       'cross-origin: absolute URL as a nopush Link');
    is(link_state($log, $sid, '//other.example/c.jsonld'), 'nopush',
       'cross-origin: network-path reference as a nopush Link');
}

# behind Require valid-user: not pushed (a pushed request has no
# credentials), even when the client sent some
{
    my($log, $sid) = visit('/vulcain/private.jsonld',
                           headers => [preload('/hydra:member/*'), $AUTH]);
    promised_ok($log, '/vulcain/private.jsonld', [$books[0]],
                'private: the protected document not pushed, the public one is');
    is(link_state($log, $sid, '/vulcain/secret/s.jsonld'), 'nopush',
       'private: the protected one withheld (nopush)');
    ($log, $sid) = visit('/vulcain/private.jsonld', headers => [preload('/hydra:member/*/name')]);
    is(scalar(grep { $_ eq '/vulcain/secret/s.jsonld' } $log->promised_paths($sid)), 0,
       'private, nested: not pushed, and not read for a nested selector');
}

# a generated target (CGI): H2PushGenerated off: announced, not pushed;
# the nested selector still reads it (as a pushed request would get it)
{
    my($log, $sid) = visit('/vulcain/gen.jsonld', headers => [preload('/hydra:member/*/author')]);
    promised_ok($log, '/vulcain/gen.jsonld', \@authors,
                'generated: the authors pushed, read from the CGI books');
    is(link_state($log, $sid, '/cgi-bin/vulcain-book.cgi?id=1'), 'nopush',
       'generated: the CGI book withheld (H2PushGenerated off)');
}

# a client without push (nghttp --no-push, curl HTTP/1.1): the Links
{
    my($log, $sid) = visit($books, headers => [preload('/hydra:member/*')], no_push => 1);
    is(scalar($log->promises), 0, 'no push: no promise');
    is_deeply([sort map { link_targets($_) } $log->links($sid)], [sort @books],
              'no push: a preload Link a book');
    my $r = curl_v(vhost => $V, path => $books, headers => [preload('/hydra:member/*/author')]);
    is($r->{status}, 200, 'HTTP/1.1: 200');
    is_deeply([sort map { link_targets($_) } block_links($r->{final})],
              [sort @books, @authors], 'HTTP/1.1: Links of the books and authors');
    is($r->{body}, file_content(file_of($books)), 'HTTP/1.1: body = file');
    like(join(',', header_values($r->{final}, 'vary')), qr/Preload/, 'HTTP/1.1: Vary: Preload');
}

# python3-h2 and Node.js's http2 client receive the pushes, bodies exact
{
    my $res = h2client(vhost => $V, paths => [$books],
                       headers => [[preload => '"/hydra:member/*/author"']]);
    my %pushed = map { $_->{path} => $_ } grep { $_->{pushed} } values %{ $res->{streams} };
    is_deeply([sort keys %pushed], [sort @books, @authors], 'python3-h2: the pushed streams')
        or diag explain $res;
    for my $p (@books, @authors) {
        is($pushed{$p} && $pushed{$p}{sha256},
           Digest::SHA::sha256_hex(file_content(file_of($p))), "python3-h2: $p body = file");
    }

    my($rc, $out, $err) = run_cmd('timeout', 20, 'node',
                                  File::Spec->catfile(vars('t_dir'), 'vulcain-node.js'),
                                  vhost_port($V), $books, preload('/hydra:member/*/author'));
    my $n = eval { JSON::PP->new->decode($out) } || { error => "rc $rc: $err $out" };
    is($n->{error}, undef, 'node: no error');
    is($n->{status}, 200, 'node: 200');
    is($n->{body}, file_content(file_of($books)), 'node: body = file');
    my %np = map { $_->{path} => $_ } @{ $n->{pushes} || [] };
    is_deeply([sort keys %np], [sort @books, @authors], "node: session.on('stream') got each push");
    is($np{$authors[1]} && $np{$authors[1]}{body}, file_content(file_of($authors[1])),
       'node: a pushed author body = file');
}

# --------------------------------------------------------------------------
# Bad input: the response passes untouched (status, headers but Vary,
# body), a reason in the debug log, a counter
my $deep = htdocs_file('vulcain/bad/deep.jsonld');
{
    open my $fh, '>', $deep or die "$deep: $!";
    print $fh '[' x 10000, '"/vulcain/books/1.jsonld"', ']' x 10000, "\n";
    close $fh;
    chmod 0644, $deep;
}
END { unlink $deep if $deep }

my @bad = (
    # [what, path, Preload header, counter, log text]
    ['invalid JSON (a trailing comma)', '/vulcain/bad/comma.jsonld',
     preload('/hydra:member/*'), 'bad_json', qr/not read \(invalid\)/],
    ['a truncated body', '/vulcain/bad/truncated.jsonld',
     preload('/hydra:member/*'), 'bad_json', qr/not read \(truncated\)/],
    ['nesting 10,000 deep', '/vulcain/bad/deep.jsonld',
     preload('/*/*'), 'bad_json', qr/not read \(too deep\)/],
    ['a Preload value that is a token', $books,
     'preload: /hydra:member/*', 'bad_header', qr/Preload header is not a list of strings/],
    ['a Preload value with an inner list', $books,
     'preload: ("/hydra:member/*")', 'bad_header', qr/Preload header is not a list/],
    ['a selector that is no JSON Pointer', $books,
     preload('hydra:member'), 'bad_header', qr/Preload header/],
    ['a selector matching nothing', '/vulcain/bad/nomatch.jsonld',
     preload('/nothing/*'), 'no_match', qr/0 links selected/],
    ['over H2PushJSONScanMax', '/vulcain-small/big.jsonld',
     preload('/hydra:member/*'), 'too_large', qr/longer than H2PushJSONScanMax/],
);
for my $c (@bad) {
    my($what, $path, $hdr, $counter, $why) = @$c;
    my $plain = nghttp(vhost => $V, paths => [$path]);
    my($log, $d, $err) = counted(sub { nghttp(vhost => $V, paths => [$path], headers => [$hdr]) });
    my $sid = $log->sid_of($path);
    is($log->status($sid), 200, "$what: 200");
    is(scalar($log->promises), 0, "$what: no promise");
    is_deeply([$log->links($sid)], [], "$what: no Link");
    is_deeply(shape($log, $sid), shape($plain, $plain->sid_of($path)),
              "$what: the response as without Preload") or diag $log->summary;
    is($log->data_len($sid), -s file_of($path), "$what: body length = file");
    is($d->{"preload.$counter"}, 1, "$what: status preload.$counter +1") or diag explain $d;
    like($err, $why, "$what: the reason in the debug log");
}
{
    my $r = curl_v(vhost => $V, path => '/vulcain/bad/deep.jsonld',
                   headers => [preload('/*/*')]);
    is($r->{body}, file_content($deep), 'nesting 10,000 deep: body byte for byte');
}

# --------------------------------------------------------------------------
# No Preload header: the response is the module-off one (a Vary aside),
# here and after Preload requests for the same URL were learned
my $L = 'vulclearn';
{
    my $off = nghttp(vhost => $L, paths => ['/vulcain-off/books.jsonld']);
    my $on = nghttp(vhost => $L, paths => [$books]);
    is_deeply(shape($on, $on->sid_of($books)),
              shape($off, $off->sid_of('/vulcain-off/books.jsonld')),
              'no Preload: the response of H2PushPreloadHeader off (a Vary aside)')
        or diag $on->summary;
    like(join(',', $on->header($on->sid_of($books), 'vary')), qr/Preload/,
         'no Preload: Vary: Preload (the header could have changed it)');
    is(join(',', $off->header($off->sid_of('/vulcain-off/books.jsonld'), 'vary')), '',
       'module off: no Vary');

    # learn: a client without push asks with Preload; the next identical
    # request gets a 103 with those links before the response
    my $pre = preload('/hydra:member/*');
    my(undef, $d) = counted(sub { nghttp(vhost => $L, paths => [$books], headers => [$pre],
                                         no_push => 1) },
                            settle => qr/h2push learn: (stored|replaced) .*books\.jsonld preload/);
    is($d->{'learned.stored'} + ($d->{'learned.replaced'} // 0), 1,
       'learned: the Preload request stored') or diag explain $d;
    my $log = nghttp(vhost => $L, paths => [$books], headers => [$pre], no_push => 1);
    my $sid = $log->sid_of($books);
    my @eh = h2_blocks($log, $sid, 103);
    is(scalar @eh, 1, 'learned: the next identical request gets a 103') or diag $log->summary;
    is_deeply([sort map { link_targets(split_link_values($_->[1])) } grep { $_->[0] eq 'link' } map { @$_ } @eh],
              [sort @books], 'learned: the 103 names the books');

    # another selector or none: nothing learned replays
    $log = nghttp(vhost => $L, paths => [$books], headers => [preload('/hydra:member/0')],
                  no_push => 1);
    is(scalar(h2_blocks($log, $log->sid_of($books), 103)), 0,
       'learned: another Preload value gets no 103');
    $on = nghttp(vhost => $L, paths => [$books], no_push => 1);
    $sid = $on->sid_of($books);
    is(scalar(h2_blocks($on, $sid, 103)), 0, 'learned: no Preload, no 103');
    is_deeply(shape($on, $sid), shape($off, $off->sid_of('/vulcain-off/books.jsonld')),
              'learned: no Preload: still the module-off response');

    # a push client gets the learned links pushed from the 103
    $log = nghttp(vhost => $L, paths => [$books], headers => [$pre]);
    promised_ok($log, $books, \@books, 'learned, push client: the books promised once each');
}

# An attacker's distinct Preload values: each is a key of its own (60
# selectors that each select a book), but the store stays within
# H2PushLearnMaxEntries (20: the least recent evicted); with a cookie,
# nothing is learned
{
    my @req = map { { path => $books, headers => [['Preload',
                  '"/hydra:member/' . ($_ % 3) . qq(", "/n$_")]] } } 0 .. 59;
    my($b, $d) = counted(sub { h1burst(vhost => 'vulcatk', requests => \@req) },
                         vhost => 'vulcatk');
    is($b->{error}, undef, 'attacker: 60 requests done');
    is(scalar(grep { $_->{status} == 200 } @{ $b->{results} }), 60, 'attacker: 60 answered 200');
    is($d->{'learned.stored'}, 60, 'attacker: 60 distinct Preload values, 60 keys stored')
        or diag explain $d;
    is($d->{'learned.evicted'}, 40, 'attacker: the store kept 20 (H2PushLearnMaxEntries): 40 evicted');
    my(undef, $dc) = counted(sub { h1burst(vhost => 'vulcatk', requests => [ map { { path => $books,
        headers => [['Preload', qq("/hydra:member/0", "/k$_")], ['Cookie', 'session=y']] } } 1 .. 5 ]) },
        vhost => 'vulcatk');
    is($dc->{'learned.stored'} // 0, 0, 'attacker with a cookie: nothing stored');
    is($dc->{'learned.refused.cookie'}, 5, 'attacker with a cookie: refused (cookie) x5')
        or diag explain $dc;
}

# configtest: the directives' values
{
    my @cases = (
        ['H2PushPreloadHeader maybe', qr/H2PushPreloadHeader: 'maybe' is not on or off/],
        ['H2PushJSONScanMax 12Q', qr/H2PushJSONScanMax: '12Q' is not a size/],
        ['H2PushPreloadDepth 0', qr/H2PushPreloadDepth: '0' is not a whole number from 1 to 16/],
        ['H2PushPreloadDepth 17', qr/H2PushPreloadDepth: '17' is not a whole number/],
    );
    my $i = 0;
    for my $c (@cases) {
        my $r = configtest(name => 'vulcain' . $i++, lines => [$c->[0]]);
        isnt($r->{rc}, 0, "configtest fails: $c->[0]");
        like($r->{out}, $c->[1], "configtest names what is wrong: $c->[0]");
        like($r->{out}, qr/line \Q@{[$r->{lines_before} + 1]}\E of \Q$r->{file}\E/,
             "configtest names the file and line: $c->[0]");
    }
    my $r = configtest(name => 'vulcain-ok', lines => ['<Location /x>',
        'H2PushPreloadHeader on', 'H2PushJSONScanMax 2M', 'H2PushPreloadDepth 5',
        '</Location>']);
    is($r->{rc}, 0, 'configtest passes: the directives in a <Location>') or diag $r->{out};
}

done_testing();
