# Learned hints (H2PushLearn) under attack: each case is a request as an
# attacker would send it, and what the next visitors then receive -- the
# 103 blocks (HTTP/1.1 and h2 without push) and PUSH_PROMISE frames (h2
# push client) they really got, the module's counters and its debug log.
# Configuration: t/conf/learnattack.conf.in (vhosts h2atk, h2victim,
# h2victimtls, h2tenant, h2tenanttls, h2scope); pages: cgi-bin/personal.cgi,
# reflect.cgi, status-link.cgi, side.cgi, htdocs/fc/ (a front controller
# behind an .htaccess rewrite), htdocs/shop/.
#
#   0. the directives are known (apache2 -t)
#   a. a response to a request with a Cookie is not learned (unless every
#      cookie is one of H2PushLearnIgnoreCookies)
#   b. a tenant's page requested with the victim's Host is not learned; the
#      victim's visitors never get the tenant's links
#   c. a response to a request with a query (reflected into a Link) is not
#      learned with H2PushLearnQuery off
#   d. a front controller: learned and replayed under the URL asked for;
#      the script asked for directly gets no route's links
#   e. non-2xx responses are not learned
#   h. H2PushLearnScope: 1,000 product pages teach one entry; what is
#      replayed is what the pages have in common
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use H2PushTest qw(:all);
use List::Util ();

my $ATK = 'h2atk';
# a decision of the learning phase (for counted(settle => ...) after an h2
# visit)
my $LEARN_LINE = qr/h2push learn: /;

sub h1 {
    my($vhost, $path, @headers) = @_;
    return hint_h1(vhost => $vhost, path => $path, headers => \@headers);
}

sub h2 {
    my($vhost, $path, %o) = @_;
    return hint_h2(vhost => $vhost, paths => [$path], %o);
}

# the stored/replaced lines of a piece of log
sub stored_lines { grep { /^(?:stored|replaced) / } learn_lines($_[0]) }

# the refusal counters that moved
sub refusals {
    my $d = shift;
    return join ',', map { /^learned\.refused\.(.*)/ ? "$1+$d->{$_}" : () }
        grep { $d->{$_} } sort keys %$d;
}

# --------------------------------------------------------------------------
# 0. The directives of the contract are known to this build
{
    my @mods = ('LoadModule socache_shmcb_module ' . module_dir() . '/mod_socache_shmcb.so');
    my @cases = (
        ['H2PushLearnIgnoreCookies', ['H2PushLearn on', 'H2PushLearnIgnoreCookies _ga _gid _pk_*']],
        ['H2PushLearnMaxEntries',    ['H2PushLearn on', 'H2PushLearnMaxEntries 100']],
        ['H2PushLearnScope',         ['H2PushLearn on', '<LocationMatch "^/product/[0-9]+$">',
                                      'H2PushLearnScope on', '</LocationMatch>',
                                      '<Location /p/>', 'H2PushLearnScope on', '</Location>',
                                      '<Directory "/tmp">', 'H2PushLearnScope on', '</Directory>']],
    );
    for my $c (@cases) {
        my($name, $lines) = @$c;
        my $t = configtest(name => "atk-$name", lines => [@mods, @$lines]);
        is($t->{rc}, 0, "apache2 -t knows $name") or diag $t->{out};
    }
}

# --------------------------------------------------------------------------
# a. Cookie: the page answers with a Link derived from the session cookie
#    (nothing in the response says it is personal)
{
    my $P = '/cgi-bin/personal.cgi/a1';
    my $Q3 = '/reports/q3-7f2a91.js';
    my $key = learn_key($ATK, $P);

    my($r1, $d1, $log1) = counted(sub { h1($ATK, $P, 'Cookie: session=7f2a91') });
    is($r1->{status}, 200, 'cookie attack (HTTP/1.1): 200');
    is_deeply([link_targets(@{ $r1->{links} })], [$Q3],
              "cookie attack: the response names the session's $Q3")
        or diag blocks_of($r1);
    is($d1->{'learned.refused.cookie'}, 1, 'cookie attack: learned.refused.cookie +1')
        or diag explain $d1;
    is($d1->{'learned.stored'}, 0, 'cookie attack: learned.stored +0');
    is_deeply([stored_lines($log1)], [], 'cookie attack: no stored line');
    like($log1, qr/h2push learn: not learned \(cookie\)/, 'cookie attack: logged (cookie)');

    my $v1 = h1($ATK, $P);
    is($v1->{status}, 200, 'next anonymous visitor (HTTP/1.1): 200');
    is($v1->{n103}, 0, 'next anonymous visitor (HTTP/1.1): no 103 (nothing was learned)')
        or diag blocks_of($v1);
    ok(!grep({ $_ eq $Q3 } link_targets(@{ $v1->{hint} })),
       "next anonymous visitor (HTTP/1.1): $Q3 not hinted");

    # the same attack over h2 (one cookie header), then a push client
    my($l2, $d2) = counted(sub { h2($ATK, $P, no_push => 1,
                                    headers => ['cookie: session=7f2a91']) },
                           settle => $LEARN_LINE);
    is($l2->status($l2->{sid}), 200, 'cookie attack (h2): 200') or diag $l2->summary;
    is($d2->{'learned.refused.cookie'}, 1, 'cookie attack (h2): learned.refused.cookie +1')
        or diag explain $d2;
    is(($d2->{'learned.stored'} // 0) + ($d2->{'learned.replaced'} // 0), 0,
       'cookie attack (h2): nothing stored or replaced');
    my $n1 = h2($ATK, $P);
    is($n1->status($n1->{sid}), 200, 'anonymous push client: 200') or diag $n1->summary;
    ok(!grep({ $_ eq $Q3 } $n1->promised_paths), "anonymous push client: no PUSH_PROMISE of $Q3")
        or diag $n1->summary;
    ok(!grep({ $_ eq $Q3 } link_targets(@{ $n1->{hint} })),
       "anonymous push client: no 103 naming $Q3");
    my $v2 = h2($ATK, $P, no_push => 1);
    ok(!grep({ $_ eq $Q3 } link_targets(@{ $v2->{hint} })),
       "anonymous h2 visitor without push: no 103 naming $Q3") or diag $v2->summary;

    # controls: without a cookie, learned and replayed
    my $C = '/cgi-bin/personal.cgi/a2';
    my($c1, $dc1, $logc1) = counted(sub { h1($ATK, $C) });
    is($dc1->{'learned.stored'}, 1, 'control, no cookie: learned.stored +1') or diag explain $dc1;
    like($logc1, qr{h2push learn: stored \Q${\ learn_key($ATK, $C)}\E: </reports/summary\.js>; rel=preload},
         'control, no cookie: stored under scheme://ServerName:port/path');
    my $c2 = h1($ATK, $C);
    is_deeply([link_targets(@{ $c2->{hint} })], ['/reports/summary.js'],
              'control, no cookie: next visit: 103 with /reports/summary.js') or diag blocks_of($c2);

    # H2PushLearnIgnoreCookies _ga _gid _pk_*: only ignored cookies: learned
    my @ignored = (['_ga=GA1.2.3', '/cgi-bin/personal.cgi/a3'],
                   ['_ga=GA1.2.3; _pk_id.1.1fff=abc; _gid=GA1.2.9', '/cgi-bin/personal.cgi/a4']);
    for my $i (@ignored) {
        my($cookie, $p) = @$i;
        my($g1, $dg) = counted(sub { h1($ATK, $p, "Cookie: $cookie") });
        is($dg->{'learned.stored'}, 1, "Cookie: $cookie (all ignored): learned.stored +1")
            or diag explain $dg;
        is($dg->{'learned.refused.cookie'}, 0, "Cookie: $cookie: not refused");
        my $g2 = h1($ATK, $p);
        is_deeply([link_targets(@{ $g2->{hint} })], ['/reports/summary.js'],
                  "Cookie: $cookie: replayed to the next visitor") or diag blocks_of($g2);
    }
    # an ignored cookie and a session cookie: refused
    my $M = '/cgi-bin/personal.cgi/a5';
    my($m1, $dm, $logm) = counted(sub { h1($ATK, $M, 'Cookie: _ga=GA1.2.3; session=7f2a91') });
    is_deeply([link_targets(@{ $m1->{links} })], [$Q3], 'Cookie: _ga + session: names the report');
    is($dm->{'learned.refused.cookie'}, 1, 'Cookie: _ga + session: learned.refused.cookie +1')
        or diag explain $dm;
    is_deeply([stored_lines($logm)], [], 'Cookie: _ga + session: no stored line');
    my $m2 = h1($ATK, $M);
    is($m2->{n103}, 0, 'Cookie: _ga + session: next visitor: no 103') or diag blocks_of($m2);
    # two Cookie header fields (HTTP/1.1), one of them ignored: refused
    my $M2 = '/cgi-bin/personal.cgi/a6';
    my(undef, $dm2) = counted(sub { h1($ATK, $M2, 'Cookie: _ga=GA1.2.3', 'Cookie: session=7f2a91') });
    is($dm2->{'learned.refused.cookie'}, 1, 'two Cookie fields (_ga, session): refused')
        or diag explain $dm2;
    is(h1($ATK, $M2)->{n103}, 0, 'two Cookie fields: next visitor: no 103');
    # where H2PushLearnIgnoreCookies is not set (vhost h2victim), _ga alone
    # is a cookie like any other
    my $V = '/cgi-bin/personal.cgi/a7';
    my(undef, $dv) = counted(sub { h1('h2victim', $V, 'Cookie: _ga=GA1.2.3') });
    is($dv->{'learned.refused.cookie'}, 1,
       'no H2PushLearnIgnoreCookies: Cookie: _ga alone is refused') or diag explain $dv;
}

# --------------------------------------------------------------------------
# b. Cross-host poisoning.  The tenant's /atk/home.html names
#    </cgi-bin/side.cgi?action=delete-account>; the victim's does not.
#    Each attack (the tenant asked with the victim's Host / :authority) is
#    followed by one visitor of the victim, so that a poisoned entry cannot
#    be hidden by an earlier visit replacing it.
{
    my $page = '/atk/home.html';
    my $EVIL = '/cgi-bin/side.cgi?action=delete-account';
    my %vname = map { ($_ => 'victim.test:' . vhost_port($_)) } qw(h2victim h2victimtls);
    my %tname = map { ($_ => 'tenant.test:' . vhost_port($_)) } qw(h2tenant h2tenanttls);

    # fixture: the victim's page names nothing (the tenant's names $EVIL:
    # checked on each attack's response)
    my $v0 = h1('h2victim', $page, "Host: $vname{h2victim}");
    is_deeply($v0->{links}, [], "fixture: the victim's page names nothing");

    my @attacks = (
        # name, victim vhost, code
        ['h2c, :authority victim', 'h2victim',
         sub { h2('h2tenant', $page, no_push => 1, headers => [":authority: $vname{h2victim}"]) }],
        ['HTTP/1.1, Host victim', 'h2victim',
         sub { h1('h2tenant', $page, "Host: $vname{h2victim}") }],
        ['TLS h2, :authority victim', 'h2victimtls',
         sub { h2('h2tenanttls', $page, no_push => 1, headers => [":authority: $vname{h2victimtls}"]) }],
        ['TLS HTTP/1.1, Host victim', 'h2victimtls',
         sub { h1('h2tenanttls', $page, "Host: $vname{h2victimtls}") }],
    );
    my @visitors = (
        ['HTTP/1.1', sub {
             my $v = shift;
             my $r = h1($v, $page, "Host: $vname{$v}");
             return ($r->{status}, $r->{hint}, [], blocks_of($r));
         }],
        ['h2 without push', sub {
             my $v = shift;
             my $l = h2($v, $page, no_push => 1, headers => [":authority: $vname{$v}"]);
             return ($l->status($l->{sid}), $l->{hint}, $l->{promised}, $l->summary);
         }],
        ['h2 push client', sub {
             my $v = shift;
             my $l = h2($v, $page, headers => [":authority: $vname{$v}"]);
             return ($l->status($l->{sid}), $l->{hint}, [$l->promised_paths], $l->summary);
         }],
    );
    for my $a (@attacks) {
        my($aname, $victim, $attack) = @$a;
        for my $vis (@visitors) {
            my($vn, $visit) = @$vis;
            my($res, $d, $log) = counted($attack, settle => $LEARN_LINE);
            my $isl = ref $res eq 'H2PushTest::Log';
            my $st = $isl ? $res->status($res->{sid}) : $res->{status};
            is($st, 200, "$aname (then $vn): the tenant answers 200")
                or diag($isl ? $res->summary : blocks_of($res));
            is_deeply([link_targets($isl ? $res->links($res->{sid}) : @{ $res->{links} })],
                      [$EVIL], "$aname: the tenant's response names $EVIL");
            is($d->{'learned.refused.host'}, 1, "$aname: learned.refused.host +1")
                or diag explain $d;
            is_deeply([stored_lines($log)], [], "$aname: nothing stored");
            my($vst, $hint, $promised, $diag) = $visit->($victim);
            is($vst, 200, "$aname, then the victim's visitor ($vn): 200");
            ok(!grep({ $_ eq $EVIL } link_targets(@$hint)),
               "$aname, then the victim's visitor ($vn): no 103 naming $EVIL") or diag $diag;
            ok(!grep({ $_ eq $EVIL || m{^/cgi-bin/side\.cgi} } @$promised),
               "$aname, then the victim's visitor ($vn): no PUSH_PROMISE of it") or diag $diag;
        }
    }

    # control: the tenant under its own name is learned from (its own key),
    # replayed to its own visitors, and still never reaches the victim
    for my $c (['h2tenant', 'h2victim'], ['h2tenanttls', 'h2victimtls']) {
        my($t, $v) = @$c;
        my($r1, $d1, $log1) = counted(sub { h1($t, $page, "Host: $tname{$t}") });
        is($d1->{'learned.stored'}, 1, "control $t, Host $tname{$t}: learned.stored +1")
            or diag explain $d1;
        my $tkey = learn_key($t, $page, 'tenant.test');
        like($log1, qr{h2push learn: (?:stored|replaced) \Q$tkey\E: <\Q$EVIL\E>; rel=preload},
             "control $t: learned under $tkey");
        my $r2 = h1($t, $page, "Host: $tname{$t}");
        is_deeply([link_targets(@{ $r2->{hint} })], [$EVIL],
                  "control $t: its next visitor gets the 103") or diag blocks_of($r2);
        for my $host ($vname{$v}, '127.0.0.1:' . vhost_port($v)) {
            my $vr = h1($v, $page, "Host: $host");
            is($vr->{n103}, 0, "control $t learned: the victim's visitor (Host $host): no 103")
                or diag blocks_of($vr);
            my $vl = h2($v, $page, headers => [":authority: $host"]);
            is_deeply($vl->{promised}, [],
                      "control $t learned: the victim's push client (:authority $host): no PUSH_PROMISE")
                or diag $vl->summary;
        }
    }
}

# --------------------------------------------------------------------------
# c. Query reflection (H2PushLearnQuery off): reflect.cgi names /refl/app.css
#    and whatever ?l= says
{
    my $EVIL = '/refl/evil.js';
    my $P = '/cgi-bin/reflect.cgi/c1';
    my($r1, $d1, $log1) = counted(sub { h1($ATK, "$P?l=$EVIL") });
    is_deeply([link_targets(@{ $r1->{links} })], ['/refl/app.css', $EVIL],
              'query attack: the response reflects ?l= into a Link');
    is($d1->{'learned.refused.query'}, 1, 'query attack: learned.refused.query +1')
        or diag explain $d1;
    is_deeply([stored_lines($log1)], [], 'query attack: nothing stored');
    like($log1, qr/h2push learn: not learned \(query\)/, 'query attack: logged (query)');
    my $v1 = h1($ATK, "$P?page=2");
    is($v1->{status}, 200, '?page=2 after the attack: 200');
    is($v1->{n103}, 0, '?page=2 after the attack: no 103') or diag blocks_of($v1);
    counted(sub { h1($ATK, "$P?l=$EVIL") });
    my $v2 = h2($ATK, "$P?page=3");
    ok(!grep({ $_ eq $EVIL } @{ $v2->{promised} }), "push client ?page=3: no PUSH_PROMISE of $EVIL")
        or diag $v2->summary;
    counted(sub { h1($ATK, "$P?l=$EVIL") });
    my $v3 = h1($ATK, $P);
    ok(!grep({ $_ eq $EVIL } link_targets(@{ $v3->{hint} })),
       "the page without a query after the attack: no 103 naming $EVIL") or diag blocks_of($v3);

    # control: the page without a query is learned; with a query it is
    # replayed what the path taught (and not learned from)
    my $C = '/cgi-bin/reflect.cgi/c2';
    my(undef, $dc) = counted(sub { h1($ATK, $C) });
    is($dc->{'learned.stored'}, 1, 'control, no query: learned.stored +1') or diag explain $dc;
    my($c2, $dc2) = counted(sub { h1($ATK, "$C?page=2") });
    is_deeply([link_targets(@{ $c2->{hint} })], ['/refl/app.css'],
              'control ?page=2: 103 with what the path taught') or diag blocks_of($c2);
    is($dc2->{'learned.refused.query'}, 1, 'control ?page=2: not learned from (query)')
        or diag explain $dc2;
    counted(sub { h1($ATK, "$C?l=$EVIL") });
    my $c3 = h1($ATK, "$C?page=3");
    is_deeply([link_targets(@{ $c3->{hint} })], ['/refl/app.css'],
              "control ?page=3 after an attack: 103 with /refl/app.css only") or diag blocks_of($c3);
}

# --------------------------------------------------------------------------
# d. Front controller behind an .htaccess rewrite (RewriteRule ^ index.cgi)
{
    my($f1, $df, $logf) = counted(sub { h1($ATK, '/fc/hello') });
    is($f1->{status}, 200, '/fc/hello: 200');
    is_deeply([link_targets(@{ $f1->{links} })], ['/fc/hello.js'], '/fc/hello: the route names hello.js');
    is($f1->{n103}, 0, '/fc/hello first visit: no 103');
    my $hkey = learn_key($ATK, '/fc/hello');
    like($logf, qr{h2push learn: stored \Q$hkey\E: </fc/hello\.js>; rel=preload},
         "/fc/hello: learned under $hkey (the URL asked for)");
    my $f2 = h1($ATK, '/fc/hello');
    is($f2->{n103}, 1, '/fc/hello second visit (HTTP/1.1): one 103') or diag blocks_of($f2);
    is_deeply([link_targets(@{ $f2->{hint} })], ['/fc/hello.js'],
              '/fc/hello second visit (HTTP/1.1): hello.js');
    my $f3 = h2($ATK, '/fc/hello', no_push => 1);
    is($f3->status($f3->{sid}), 200, '/fc/hello (h2 without push): 200');
    is($f3->{n103}, 1, '/fc/hello (h2 without push): one 103') or diag $f3->summary;
    is_deeply([link_targets(@{ $f3->{hint} })], ['/fc/hello.js'],
              '/fc/hello (h2 without push): hello.js');

    h1($ATK, '/fc/admin');
    my $a2 = h1($ATK, '/fc/admin');
    is_deeply([link_targets(@{ $a2->{hint} })], ['/fc/admin.js'], '/fc/admin second visit: admin.js');

    my $d1 = h1($ATK, '/fc/index.cgi');
    is($d1->{status}, 200, '/fc/index.cgi directly: 200');
    is_deeply($d1->{links}, [], '/fc/index.cgi directly: it names nothing itself');
    is($d1->{n103}, 0, "/fc/index.cgi directly: no 103 (no route's links)") or diag blocks_of($d1);
    my $d2 = h2($ATK, '/fc/index.cgi', no_push => 1);
    is($d2->{n103}, 0, "/fc/index.cgi directly (h2): no 103") or diag $d2->summary;
    my $d3 = h2($ATK, '/fc/index.cgi');
    is_deeply($d3->{promised}, [], "/fc/index.cgi directly (push client): nothing pushed")
        or diag $d3->summary;

    my $f4 = h1($ATK, '/fc/hello');
    is_deeply([link_targets(@{ $f4->{hint} })], ['/fc/hello.js'],
              '/fc/hello afterwards: hello.js only') or diag blocks_of($f4);
}

# --------------------------------------------------------------------------
# e. Non-2xx responses are not learned (status-link.cgi/NNN)
{
    for my $st (500, 404, 302, 301) {
        my $p = "/cgi-bin/status-link.cgi/$st";
        my($r1, $d, $log) = counted(sub { h1($ATK, $p) });
        is($r1->{status}, $st, "$st: answered $st");
        is_deeply([link_targets(@{ $r1->{links} })], ['/atk/st.css'], "$st: with a preload Link");
        is($d->{'learned.stored'}, 0, "$st: learned.stored +0") or diag explain $d;
        is($d->{'learned.refused.status'}, 1, "$st: learned.refused.status +1") or diag explain $d;
        is_deeply([stored_lines($log)], [], "$st: no stored line");
        my $r2 = h1($ATK, $p);
        is($r2->{n103}, 0, "$st: next visit: no 103") or diag blocks_of($r2);
    }
    my $p = '/cgi-bin/status-link.cgi/200';
    my(undef, $d) = counted(sub { h1($ATK, $p) });
    is($d->{'learned.stored'}, 1, 'control 200: learned.stored +1') or diag explain $d;
    is_deeply([link_targets(@{ h1($ATK, $p)->{hint} })], ['/atk/st.css'],
              'control 200: next visit: 103 with st.css');
}

# --------------------------------------------------------------------------
# h. H2PushLearnScope on in <LocationMatch "^/product/[0-9]+$"> (vhost
#    h2scope): each product page names /shop/site.css, /shop/app.js and
#    /img/N.jpg of its own
{
    srand(20240607);
    my @ids = List::Util::shuffle(1 .. 1000);
    my $b = h1burst(vhost => 'h2scope', requests => [map { "/product/$_" } @ids]);
    my @res = @{ $b->{results} };
    is(scalar @res, 1000, 'scope: 1,000 product visits answered') or diag $b->{error};
    is($b->{errors}, 0, 'scope: no client error');
    is(scalar(grep { $_->{status} == 200 } @res), 1000, 'scope: all 200');
    my $own = grep { my $i = $_;
                     join(' ', link_targets(@{ $res[$i]{links} }))
                         eq "/shop/site.css /shop/app.js /img/$ids[$i].jpg" } 0 .. $#res;
    is($own, 1000, 'scope: each page names site.css, app.js and its own image');
    is($res[0]{n103} + $res[1]{n103}, 0, 'scope: the first two visits get no 103 (fewer than 2 responses seen)');
    is($res[2]{n103}, 1, 'scope: the third visit gets one');
    my($visits103, $hinted, $named) = (0, 0, 0);
    for my $r (@res) {
        next unless $r->{n103};
        $visits103++;
        my %named = map { ($_ => 1) } link_targets(@{ $r->{links} });
        for my $t (link_targets(@{ $r->{hints} })) {
            $hinted++;
            $named++ if $named{$t};
        }
    }
    my $share103 = @res ? $visits103 / @res : 0;
    my $shareok = $hinted ? $named / $hinted : 0;
    diag sprintf('scope: %d of %d visits got a 103 (%.1f%%); %d of %d hinted links named '
                 . 'by the page itself (%.1f%%); %.2f s', $visits103, scalar @res,
                 100 * $share103, $named, $hinted, 100 * $shareok, $b->{elapsed} // 0);
    cmp_ok($share103, '>=', 0.95, 'scope: >= 95% of the visits got a 103');
    cmp_ok($shareok, '>=', 0.95, 'scope: >= 95% of the hinted links were named by the page');
    my @img = grep { m{^/img/} } map { link_targets(@{ $_->{hints} }) } @res;
    is(scalar @img, 0, 'scope: no /img/N.jpg was ever hinted (each is named by one page)')
        or diag "@img[0 .. ($#img < 9 ? $#img : 9)]";

    my $n = h1('h2scope', '/product/99999');
    is($n->{status}, 200, 'scope: /product/99999 (never requested): 200');
    is_deeply([sort(link_targets(@{ $n->{hint} }))], ['/shop/app.js', '/shop/site.css'],
              'scope: /product/99999: 103 with site.css and app.js, no image') or diag blocks_of($n);
    my $n2 = h2('h2scope', '/product/99998', no_push => 1);
    is_deeply([sort(link_targets(@{ $n2->{hint} }))], ['/shop/app.js', '/shop/site.css'],
              'scope: /product/99998 (h2 without push): the same 103') or diag $n2->summary;
    # outside the section: learned per URL as before
    my $o = h1('h2scope', '/shop/product.html');
    is($o->{n103}, 0, 'scope: a page outside the section: no 103 from the section')
        or diag blocks_of($o);
}

done_testing();
