# H2PushLearn: the same-origin preload links of a response are learned per
# URL and replayed before the handler of the next visit: in a 103 for hint
# clients (H2PushEarlyHints on), as PUSH_PROMISEs for push clients, after
# the policy for that request.  The key is scheme://ServerName:port/path of
# the vhost that served the request (learn_key(): http://localhost:PORT/...
# for Apache::Test's vhosts, which have "ServerAlias 127.0.0.1" for the
# clients' Host), never the Host itself.  Every visit is a new connection.
# Configuration: t/conf/hints.conf.in (<VirtualHost h2learn>, h2learnq
# (H2PushLearnQuery on), h2learnttl (H2PushLearnTTL 2), each with a shmcb
# cache of its own; /learn/ and cgi-bin/hints-learn.cgi with
# H2PushEarlyHints on).  A request with a query string is not learned from
# (H2PushLearnQuery off): hints-learn.cgi takes its parameters from the
# request header X-Learn instead.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use H2PushTest qw(:all);
use Time::HiRes ();

my $L = 'h2learn';
my $CGI = '/cgi-bin/hints-learn.cgi';
my $A = '</learn/a.css>; rel=preload; as=style';
my $USER = 'pusher:secret';

sub key_of { learn_key(@_) }

# HTTP/1.1 visit (curl -v): the result plus {n103} and {hint} (the
# link-values of the first 103, [] without one)
sub h1 { hint_h1(vhost => $L, @_) }

# h2 visit (nghttp): the log plus {sid}, {n103}, {hint}
sub h2 { hint_h2(vhost => $L, @_) }

# X-Learn header for hints-learn.cgi (none for an empty set)
sub xl { my $q = shift; return length $q ? (headers => ["X-Learn: $q"]) : () }

# the value logged by "h2push learn: stored|replaced KEY: VALUE" since $mark
sub learned_value {
    my($mark, $key) = @_;
    my $t = wait_log('error_log', $mark, qr/h2push learn: \w+ \Q$key\E: /, 5);
    my @v = $t =~ /h2push learn: \w+ \Q$key\E: ([^\n]*)/g;
    return $v[-1];
}

# --------------------------------------------------------------------------
# HTTP/1.1: learned from mod_headers' Link, replayed in a 103 (as= filled);
# the cross-origin link is not learned
{
    my $p = '/learn/hdr.html';
    my $key = key_of($L, $p);
    my $b0 = status_json();
    my $mark = log_mark();
    my $r1 = h1(path => $p);
    my $b1 = status_json();
    my $d1 = status_delta($b0, $b1);
    is($r1->{status}, 200, 'h1 first visit: 200');
    is($r1->{n103}, 0, 'h1 first visit: no 103') or diag blocks_of($r1);
    is($d1->{'learned.stored'}, 1, 'h1 first visit: learned.stored +1') or diag explain $d1;
    is(learned_value($mark, $key), '</learn/a.css>; rel=preload',
       "h1 first visit: learned $key: the same-origin link only");

    my $r2 = h1(path => $p);
    my $d2 = status_delta($b1, status_json());
    is($r2->{status}, 200, 'h1 second visit: 200');
    is($r2->{n103}, 1, 'h1 second visit: exactly one 103') or diag blocks_of($r2);
    is_deeply($r2->{hint}, [$A], 'h1 second visit: the learned link, as=style')
        or diag explain $r2->{hint};
    is($d2->{'hints.sent'}, 1, 'h1 second visit: hints.sent +1') or diag explain $d2;
    is($d2->{'learned.stored'}, 0, 'h1 second visit: nothing new stored');
    is($d2->{'learned.replaced'}, 0, 'h1 second visit: nothing replaced');
}

# HTTP/2 without push: the same, with a 103 HEADERS frame before the 200
{
    my $p = '/learn/nopush.html';
    my($l1, $d1) = counted(sub { h2(paths => [$p], no_push => 1) });
    is($l1->status($l1->{sid}), 200, 'h2 --no-push first visit: 200');
    is($l1->{n103}, 0, 'h2 --no-push first visit: no 103') or diag $l1->summary;
    is($d1->{'learned.stored'}, 1, 'h2 --no-push first visit: learned.stored +1')
        or diag explain $d1;

    my $l2 = h2(paths => [$p], no_push => 1);
    my $sid = $l2->{sid};
    is($l2->{n103}, 1, 'h2 --no-push second visit: one 103') or diag $l2->summary;
    is_deeply($l2->{hint}, [$A], 'h2 --no-push second visit: the learned link');
    my $i103 = $l2->frame_index(dir => 'recv', type => 'HEADERS', stream => $sid, status => 103);
    my $i200 = $l2->frame_index(dir => 'recv', type => 'HEADERS', stream => $sid, status => 200);
    ok(defined $i103 && defined $i200 && $i103 < $i200,
       'h2 --no-push second visit: the 103 before the 200') or diag $l2->summary;
    is(scalar $l2->promises, 0, 'h2 --no-push second visit: no PUSH_PROMISE');
}

# A push client: learned from a CGI's Link; on the next visit the CGI sends
# no Link at all, so the PUSH_PROMISE can only come from what was learned.
# That response had no preload links: the entry goes (replaced), and the
# visit after it gets nothing.
{
    my $p = "$CGI/push";
    my $key = key_of($L, $p);
    my $b0 = status_json();
    my $l1 = h2(paths => [$p], headers => ['x-learn: l=a.css']);
    my $b1 = status_json();
    my $d1 = status_delta($b0, $b1);
    is($l1->status($l1->{sid}), 200, 'push client first visit: 200');
    is($l1->{n103}, 0, 'push client first visit: no 103');
    is($d1->{'learned.stored'}, 1, 'push client first visit: learned.stored +1')
        or diag explain $d1;

    my $mark = log_mark();
    my $l2 = h2(paths => [$p]);
    my $d2 = status_delta($b1, status_json());
    is($l2->status($l2->{sid}), 200, 'push client second visit: 200');
    is_deeply([$l2->links($l2->{sid})], [], 'push client second visit: the CGI sent no Link')
        or diag $l2->summary;
    promised_ok($l2, $p, ['/learn/a.css'], 'push client second visit: the learned link is pushed');
    my $ps = $l2->pushed_stream('/learn/a.css');
    is($ps && $ps->{status}, 200, 'push client second visit: pushed a.css answered 200');
    my $i200 = $l2->frame_index(dir => 'recv', type => 'HEADERS', stream => $l2->{sid}, status => 200);
    my $ipp = $l2->frame_index(type => 'PUSH_PROMISE', path => '/learn/a.css');
    ok(defined $ipp && defined $i200 && $ipp < $i200,
       'push client second visit: PUSH_PROMISE before the 200 HEADERS') or diag $l2->summary;
    like(wait_log('error_log', $mark, qr/source=learned target=<\/learn\/a\.css>/, 5),
         qr{h2push decision: source=learned target=</learn/a\.css> path=/learn/a\.css result=promised},
         'push client second visit: logged as a learned candidate, promised');
    is($d2->{promised}, 1, 'push client second visit: promised +1') or diag explain $d2;
    is($d2->{'learned.replaced'}, 1,
       'push client second visit: no links in the response: the entry is dropped (replaced +1)');

    my $l3 = h2(paths => [$p], no_push => 1);
    is($l3->{n103}, 0, 'push client, third visit (--no-push): nothing learned any more')
        or diag $l3->summary;
}

# Replacement: a different set of links replaces the entry; the same set
# leaves it; an empty set removes it
{
    my $p = "$CGI/repl";
    my $key = key_of($L, $p);
    my @steps = (
        # query, expected 103 links, stored, replaced
        ['l=a.css',          [],                                      1, 0],
        ['l=b.js&l=c.css',   [$A],                                    0, 1],
        ['l=b.js&l=c.css',   ['</learn/b.js>; rel=preload; as=script',
                              '</learn/c.css>; rel=preload; as=style'], 0, 0],
        ['',                 ['</learn/b.js>; rel=preload; as=script',
                              '</learn/c.css>; rel=preload; as=style'], 0, 1],
        ['',                 [],                                      0, 0],
    );
    my $n = 0;
    for my $s (@steps) {
        my($q, $want, $stored, $replaced) = @$s;
        $n++;
        my $before = status_json();
        my $mark = log_mark();
        my $r = h1(path => $p, xl($q));
        my $d = status_delta($before, status_json());
        is($r->{status}, 200, "replace $n ($q): 200");
        is($r->{n103}, @$want ? 1 : 0, "replace $n ($q): " . (@$want ? 'one 103' : 'no 103'))
            or diag blocks_of($r);
        is_deeply($r->{hint}, $want, "replace $n ($q): the 103 links") or diag explain $r->{hint};
        is($d->{'learned.stored'}, $stored, "replace $n: learned.stored +$stored")
            or diag explain $d;
        is($d->{'learned.replaced'}, $replaced, "replace $n: learned.replaced +$replaced");
        if ($n == 2) {
            is(learned_value($mark, $key),
               '</learn/b.js>; rel=preload, </learn/c.css>; rel=preload',
               'replace 2: the new set is what is stored');
        }
    }
}

# Responses that must not be replayed to someone else: not learned
{
    my @cases = (
        # name, query, counter, curl options
        ['Cache-Control: private',            'l=a.css&cc=private',            'private'],
        ['Cache-Control: max-age=60, private', 'l=a.css&cc=max-age=60,private', 'private'],
        ['Cache-Control: no-store',           'l=a.css&cc=no-store',           'no-store'],
        ['Set-Cookie',                        'l=a.css&cookie=1',              'set-cookie'],
        ['Vary: Cookie',                      'l=a.css&vary=Cookie',           'vary'],
        ['Vary: Accept-Encoding, Cookie',     'l=a.css&vary=Accept-Encoding,Cookie', 'vary'],
        ['Vary: Authorization',               'l=a.css&vary=Authorization',    'vary'],
        ['Vary: *',                           'l=a.css&vary=*',                'vary'],
        ['request with Authorization',        'l=a.css',                       'authorization',
         user => $USER],
    );
    my $i = 0;
    for my $c (@cases) {
        my($name, $q, $counter, %opt) = @$c;
        my $p = "$CGI/refuse" . ++$i;
        my $before = status_json();
        my $mark = log_mark();
        my $r1 = h1(path => $p, xl($q), %opt);
        my $d = status_delta($before, status_json());
        is($r1->{status}, 200, "$name: 200");
        is($d->{"learned.refused.$counter"}, 1, "$name: learned.refused.$counter +1")
            or diag explain $d;
        is($d->{'learned.stored'}, 0, "$name: learned.stored +0");
        my @other = grep { $_ ne "learned.refused.$counter" && /^learned\.refused\./
                           && $d->{$_} } sort keys %$d;
        is_deeply(\@other, [], "$name: no other refusal counted");
        like(wait_log('error_log', $mark, qr/not learned/, 5),
             qr/h2push learn: not learned \(\Q$counter\E\)/, "$name: logged");
        my $r2 = h1(path => $p, xl($q));
        is($r2->{status}, 200, "$name, next visit: 200");
        is($r2->{n103}, 0, "$name, next visit: no 103") or diag blocks_of($r2);
    }
    # controls: the same CGI with a public Cache-Control, and a Vary that
    # does not depend on the user, is learned
    my @ok = (['Cache-Control: max-age=60', 'l=a.css&cc=max-age=60'],
              ['Vary: Accept-Encoding', 'l=a.css&vary=Accept-Encoding']);
    for my $c (@ok) {
        my($name, $q) = @$c;
        my $p = "$CGI/accept" . ++$i;
        my($r1, $d) = counted(sub { h1(path => $p, xl($q)) });
        is($d->{'learned.stored'}, 1, "control $name: learned.stored +1") or diag explain $d;
        my $r2 = h1(path => $p, xl($q));
        is_deeply($r2->{hint}, [$A], "control $name: next visit: 103 with the link");
    }
}

# Only responses that end 2xx are learned from: not redirects (301, 302),
# not a 404 (refusal "status")
{
    for my $c ([301, 'redirect301'], [302, 'redirect302'], [404, 'notfound']) {
        my($st, $name) = @$c;
        my $p = "$CGI/$name";
        my($r1, $d) = counted(sub { h1(path => $p, xl("l=a.css&status=$st")) });
        is($r1->{status}, $st, "$st first visit: $st");
        is_deeply([map { $_->[1] } grep { $_->[0] eq 'link' } @{ $r1->{final}{headers} }],
                  ['</learn/a.css>; rel=preload'], "$st first visit: the response has the Link");
        is($d->{'learned.stored'}, 0, "$st first visit: nothing learned") or diag explain $d;
        is($d->{'learned.refused.status'}, 1, "$st first visit: learned.refused.status +1")
            or diag explain $d;
        my $r2 = h1(path => $p, xl("l=a.css&status=$st"));
        is($r2->{status}, $st, "$st second visit: $st");
        is($r2->{n103}, 0, "$st second visit: no 103") or diag blocks_of($r2);
    }
}

# Only GET is learned from: HEAD and POST are not
{
    for my $c (['HEAD', method => 'HEAD'], ['POST', data => 'x=1']) {
        my($m, %o) = @$c;
        my $p = "$CGI/method-" . lc $m;
        my($r1, $d) = counted(sub { h1(path => $p, xl('l=a.css'), %o) });
        is($r1->{status}, 200, "$m: 200");
        is_deeply([map { $_->[1] } grep { $_->[0] eq 'link' } @{ $r1->{final}{headers} }],
                  ['</learn/a.css>; rel=preload'], "$m: the response has the Link");
        is($d->{'learned.stored'}, 0, "$m: nothing learned") or diag explain $d;
        my $r2 = h1(path => $p, xl('l=a.css'));
        is($r2->{n103}, 0, "$m, then GET: no 103");
    }
}

# A page that was learned and is gone (404): no 103
{
    my $dir = htdocs_file('/learn/gone');
    my $file = htdocs_file('/learn/gone/page.html');
    mkdir $dir;
    chmod 0755, $dir;
    open my $fh, '>', $file or die "$file: $!";
    print $fh "<!doctype html><title>soon gone</title>\n";
    close $fh;
    chmod 0644, $file;
    my $p = '/learn/gone/page.html';
    my $r1 = h1(path => $p);
    is($r1->{status}, 200, 'gone: while there: 200');
    my $r2 = h1(path => $p);
    is_deeply($r2->{hint}, [$A], 'gone: learned (103 on the second visit)');
    unlink $file;
    rmdir $dir;
    my($r3, $d) = counted(sub { h1(path => $p) });
    is($r3->{status}, 404, 'gone: 404');
    is($r3->{n103}, 0, 'gone: no 103') or diag blocks_of($r3);
    is($d->{'hints.sent'}, 0, 'gone: hints.sent +0') or diag explain $d;
}

# By default (H2PushLearnQuery off) a response to a request with a query
# string is not learned from, and a request with one is replayed what the
# path taught; with H2PushLearnQuery on (vhost h2learnq) the query is part
# of the key
{
    my $p = '/learn/q.html';
    my $before = status_json();
    my $mark = log_mark();
    my $r1 = h1(path => "$p?a=1");
    my $d = status_delta($before, status_json());
    is($r1->{n103}, 0, 'query off: ?a=1 first: no 103');
    is($d->{'learned.refused.query'}, 1, 'query off: ?a=1: learned.refused.query +1')
        or diag explain $d;
    is($d->{'learned.stored'}, 0, 'query off: ?a=1: nothing stored');
    like(log_since('error_log', $mark), qr/h2push learn: not learned \(query\)/,
         'query off: ?a=1: logged (query)');
    $mark = log_mark();
    my $r0 = h1(path => $p);
    is($r0->{n103}, 0, 'query off: the path: no 103 yet');
    is(learned_value($mark, key_of($L, $p)), '</learn/a.css>; rel=preload',
       'query off: learned from the path without a query');
    my $r2 = h1(path => "$p?b=2");
    is_deeply($r2->{hint}, [$A], 'query off: ?b=2 gets what the path taught');

    my $Q = 'h2learnq';
    $mark = log_mark();
    my $q1 = h1(vhost => $Q, path => "$p?a=1");
    is($q1->{n103}, 0, 'H2PushLearnQuery on: ?a=1 first: no 103');
    is(learned_value($mark, key_of($Q, "$p?a=1")), '</learn/a.css>; rel=preload',
       'H2PushLearnQuery on: learned under the path with the query');
    my $q2 = h1(vhost => $Q, path => "$p?b=2");
    is($q2->{n103}, 0, 'H2PushLearnQuery on: ?b=2 does not get what ?a=1 taught')
        or diag blocks_of($q2);
    my $q3 = h1(vhost => $Q, path => "$p?a=1");
    is_deeply($q3->{hint}, [$A], 'H2PushLearnQuery on: ?a=1 again: 103');
}

# H2PushMax caps what is learned: learned with H2PushMax 2 (request header
# X-Max: 2), then replayed where H2PushMax is the default 10
{
    my $p = '/learn/max.html';
    my $key = key_of($L, $p);
    my @m = map { "</learn/m$_.css>; rel=preload; as=style" } 1 .. 4;
    my $mark = log_mark();
    my $r1 = h1(path => $p, headers => ['X-Max: 2']);
    is($r1->{status}, 200, 'max: first visit (H2PushMax 2): 200');
    is(learned_value($mark, $key),
       '</learn/m1.css>; rel=preload, </learn/m2.css>; rel=preload',
       'max: two of the four links learned');
    my $r2 = h1(path => $p);
    is_deeply($r2->{hint}, [@m[0, 1]], 'max: next visit (H2PushMax 10): 103 with the two')
        or diag explain $r2->{hint};
    my $r3 = h1(path => $p);
    is_deeply($r3->{hint}, \@m, 'max: learned again with H2PushMax 10: all four')
        or diag explain $r3->{hint};
    # and the replay is capped too
    my $r4 = h1(path => $p, headers => ['X-Max: 2']);
    is_deeply($r4->{hint}, [@m[0, 1]], 'max: four learned, replayed with H2PushMax 2: two')
        or diag explain $r4->{hint};
}

# A static list and a learned link: still exactly one 103
{
    my $p = '/learn/both.html';
    my $s = '</learn/s.css>; rel=preload; as=style';
    my $mark = log_mark();
    my $r1 = h1(path => $p);
    is(learned_value($mark, key_of($L, $p)), '</learn/a.css>; rel=preload',
       'static + learned: the static entry itself is not learned');
    is($r1->{n103}, 1, 'static + learned, first visit: one 103 (static list)')
        or diag blocks_of($r1);
    is_deeply($r1->{hint}, [$s], 'static + learned, first visit: the static entry');
    my $r2 = h1(path => $p);
    is($r2->{n103}, 1, 'static + learned, second visit: exactly one 103') or diag blocks_of($r2);
    is_deeply($r2->{hint}, [$s, $A], 'static + learned, second visit: both in it');
}

# (a) a page behind authentication, requested with credentials: not learned
{
    my $p = '/learn/private/page.html';
    my($r1, $d) = counted(sub { h1(path => $p, user => $USER) });
    is($r1->{status}, 200, 'auth page with credentials: 200');
    is_deeply([map { $_->[1] } grep { $_->[0] eq 'link' } @{ $r1->{final}{headers} }],
              ['</learn/a.css>; rel=preload'], 'auth page with credentials: it has a Link');
    is($d->{'learned.refused.authorization'}, 1,
       'auth page with credentials: learned.refused.authorization +1') or diag explain $d;
    is($d->{'learned.stored'}, 0, 'auth page with credentials: learned.stored +0');
    my $r2 = h1(path => $p, user => $USER);
    is($r2->{status}, 200, 'auth page with credentials again: 200');
    is($r2->{n103}, 0, 'auth page with credentials again: no 103') or diag blocks_of($r2);
    my $r3 = h1(path => $p);
    is($r3->{status}, 401, 'auth page without credentials: 401');
    is($r3->{n103}, 0, 'auth page without credentials: no 103');
}

# (b) an entry learned for a URL that an unauthenticated visitor gets a
# 401 for: /learn/gate/page.html is open with the request header
# "X-Gate: open", else behind Require valid-user
{
    my $p = '/learn/gate/page.html';
    my $key = key_of($L, $p);
    my $mark = log_mark();
    my $r1 = h1(path => $p, headers => ['X-Gate: open']);
    is($r1->{status}, 200, 'gate open: 200 without credentials');
    is(learned_value($mark, $key), '</learn/a.css>; rel=preload',
       "gate open: learned for $key");

    my $before = status_json();
    my $r2 = h1(path => $p);
    is($r2->{status}, 401, 'gate closed, HTTP/1.1: 401');
    is($r2->{n103}, 0, 'gate closed, HTTP/1.1: no 103') or diag blocks_of($r2);
    my $l3 = h2(paths => [$p], no_push => 1);
    is($l3->status($l3->{sid}), 401, 'gate closed, h2 --no-push: 401');
    is($l3->{n103}, 0, 'gate closed, h2 --no-push: no 103') or diag $l3->summary;
    my $l4 = h2(paths => [$p]);
    is($l4->status($l4->{sid}), 401, 'gate closed, push client: 401');
    is(scalar $l4->promises, 0, 'gate closed, push client: no PUSH_PROMISE')
        or diag $l4->summary;
    is($l4->{n103}, 0, 'gate closed, push client: no 103');
    my $d = status_delta($before, status_json());
    is($d->{'hints.sent'}, 0, 'gate closed: hints.sent +0') or diag explain $d;
    is($d->{promised}, 0, 'gate closed: promised +0');

    # the entry is there: the open URL and an authenticated visitor get it
    my $r5 = h1(path => $p, headers => ['X-Gate: open']);
    is_deeply($r5->{hint}, [$A], 'gate open again: 103 with the learned link');
    my $r6 = h1(path => $p, user => $USER);
    is($r6->{status}, 200, 'gate with credentials: 200');
    is_deeply($r6->{hint}, [$A], 'gate with credentials: 103 with the learned link');
}

# (b) a learned target behind authentication is never hinted or pushed
{
    my $p = '/learn/topriv.html';
    my $key = key_of($L, $p);
    my $priv = '/learn/private/p.css';
    is(h1(path => $priv)->{status}, 401, "fixture: $priv answers 401 without credentials");
    is(h1(path => $priv, user => $USER)->{status}, 200, "fixture: $priv answers 200 with them");

    my $mark = log_mark();
    my $r1 = h1(path => $p);
    is($r1->{n103}, 0, 'to private: first visit: no 103');
    is(learned_value($mark, $key),
       '</learn/private/p.css>; rel=preload, </learn/a.css>; rel=preload',
       'to private: both links learned');
    my $r2 = h1(path => $p);
    is_deeply($r2->{hint}, [$A], 'to private, no credentials: 103 without the private target')
        or diag explain $r2->{hint};
    my $r3 = h1(path => $p, user => $USER);
    is_deeply($r3->{hint}, [$A], 'to private, with credentials: 103 without it as well')
        or diag explain $r3->{hint};
    $mark = log_mark();
    my $l4 = h2(paths => [$p]);
    promised_ok($l4, $p, ['/learn/a.css'], 'to private, push client: only a.css pushed');
    like(wait_log('error_log', $mark, qr{source=learned target=</learn/private/p\.css>}, 5),
         qr{source=learned target=</learn/private/p\.css> path=/learn/private/p\.css result=skipped reason=forbidden},
         'to private, push client: the learned private target skipped as forbidden');
}

# Expiry (H2PushLearnTTL 2 on vhost h2learnttl), without sleeping: after
# the entry is learned, the page is requested with credentials (a public
# page: httpd ignores them, but the module does not learn from such a
# request, so nothing renews the entry) until a response comes without a
# 103 -- bounded at 8 s.  It must have been at least the TTL.
{
    my $T = 'h2learnttl';
    my $p = '/learn/ttl.html';
    my $b0 = status_json();
    my $t0 = Time::HiRes::time();
    my $r1 = h1(vhost => $T, path => $p);
    is($r1->{n103}, 0, 'ttl: first visit: no 103');
    my $r2 = h1(vhost => $T, path => $p, user => $USER);
    is_deeply($r2->{hint}, [$A], 'ttl: at once: 103 with the learned link');
    my($gone, $tries) = (undef, 0);
    while (Time::HiRes::time() - $t0 < 8) {
        my $r = h1(vhost => $T, path => $p, user => $USER);
        $tries++;
        if ($r->{status} == 200 && !$r->{n103}) {
            $gone = Time::HiRes::time();
            last;
        }
    }
    ok($gone, "ttl: the entry expired (after $tries requests)");
    cmp_ok(($gone // 0) - $t0, '>=', 2.0, 'ttl: not before H2PushLearnTTL (2 s) had passed');
    my $d = status_delta($b0, status_json());
    is($d->{'learned.expired'}, 1, 'ttl: learned.expired +1') or diag explain $d;
    is($d->{'learned.stored'}, 1, 'ttl: stored once (the requests with credentials did not renew it)');
    my $r3 = h1(vhost => $T, path => $p);
    is($r3->{n103}, 0, 'ttl: after expiry: no 103 (until learned again)');
}

done_testing();
