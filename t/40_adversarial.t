# Adversarial corpus: Link headers with hostile bytes and shapes, sent by
# a backend -- mod_asis files in htdocs/adv/ (exact header bytes; made by
# htdocs/adv/make-corpus.pl) and CGI scripts cgi-bin/adv-*.cgi -- fetched
# with real clients: nghttp over TLS h2 (frame log, one connection per
# page, with the debug log of that request), the python3-h2 client over
# h2c (bodies; every page on one connection), curl.
#
# For every case: the page comes back intact (status, body bytes as the
# backend sends them), exactly the expected paths are promised (mostly the
# positive control /adv/ok.css, listed after the junk: parsing went on),
# every pushed stream is a 200 carrying the resource, and the debug log
# gives each candidate its outcome, in order.  Some cases again with HEAD
# and without push (headers as served, nothing promised), a few with
# HTTP/1.1.  At the end: no child crashed during the whole run.
#
# httpd's limit for one header line of a CGI or an asis file (found by
# trying, Apache 2.4.71): 8189 bytes before the LF.  asis: 8190 makes the
# LF spill into the body, 8191+ is a "malformed header" (200, no headers
# after it, empty body); CGI: 8190+ is a 500.  The module never sees such
# a line: len-max is at the limit, len-over just past it.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Digest::SHA qw(sha256_hex);
use Time::HiRes ();
use H2PushTest qw(:all);

my $t_start = Time::HiRes::time();
my $OK    = '/adv/ok.css';
my $BYTES = join '', map { chr } 0 .. 255;
my $port  = vhost_port('h2tls');
my $host  = "127.0.0.1:$port";

# --- sparse files for the size check (removed at the end) -----------------
my %huge = ('/adv/huge-2g.bin'  => 2 * 1024**3,
            '/adv/huge-4g1.bin' => 4 * 1024**3 + 1);   # 1 if cut to 32 bits
for my $p (sort keys %huge) {
    my $f = htdocs_file($p);
    open my $fh, '>', $f or die "$f: $!";
    truncate $fh, $huge{$p} or die "truncate $f: $!";
    close $fh;
    chmod 0644, $f;
}
END { unlink map { htdocs_file($_) } keys %huge }

# --- what the backend sends -------------------------------------------------
sub asis_parts {
    my $c = file_content(htdocs_file(shift)) // '';
    my($head, $body) = split /\n\n/, $c, 2;
    return ($head // '', $body // '');
}
sub asis_body { (asis_parts(shift))[1] }
# the asis file's Link lines as httpd merges them into one field value
sub asis_link_field {
    my($head) = asis_parts(shift);
    return join ', ', map { /^Link: (.*)$/s ? $1 : () } split /\n/, $head;
}
sub cgi_body { "adv-links $_[0]\n$BYTES\n" }

# --- expected decisions -----------------------------------------------------
# [target, path, result]: target as the link-value has it (the whole raw
# link-value when it does not parse), path undef for "-".  result is the
# outcome of a GET from a push client; 'bad-uri' is a link that parses
# but whose target does not resolve (logged as bad-link).
sub dec_strings {
    my($list, $mode) = @_;
    return map {
        my($t, $p, $r) = @$_;
        if ($mode eq 'head' && $r ne 'bad-link')   { $r = 'not-eligible-request' }
        elsif ($mode eq 'nopush' && $r ne 'bad-link') { $r = 'client-disabled' }
        elsif ($r eq 'bad-uri')                    { $r = 'bad-link' }
        # the module logs at most 200 bytes of the target
        adv_log_escape(substr($t, 0, 200)) . ' | ' . ($p // '-') . " | $r";
    } @$list;
}
sub decisions_ok {
    my($text, $want, $mode, $name) = @_;
    my @got = map { "$_->{target} | $_->{path} | $_->{result}" }
              adv_decisions($text);
    my @want = dec_strings($want, $mode);
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    return is_deeply(\@got, \@want, $name)
        || diag join "\n", 'got:', @got, 'want:', @want;
}
sub notfound { map { [$_, $_, 'not-found'] } @_ }
my @okd = ([$OK, $OK, 'promised']);
# Lookups per response: 4 x H2PushMax (default 10), at least 16.  Past
# them, what would need a lookup is over-limit (for a push client), so a
# response with hundreds of links to missing files costs 40 lookups.
my $LOOKUPS = 40;
sub budget {
    my $left = $LOOKUPS;
    return map {
        my($t, $p, $r) = @$_;
        if ($r =~ /^(?:promised|not-found|forbidden|too-large|generated)$/) {
            $r = 'over-limit' if $left-- <= 0;
        }
        [$t, $p, $r];
    } @_;
}

# --- the cases --------------------------------------------------------------
# name => { page, promised => [...], dec => [[target, path, result]...],
#           status (200), body (what the backend sends; undef: not
#           compared), absent => [substrings no Link of the response may
#           have], extra => sub { ($nghttp_log, $h2client_res, $sid,
#           $error_log_mark) } }
my %case;
sub asis_case {
    my($name, %c) = @_;
    $case{$name} = { page => "/adv/$name.asis", body => asis_body("/adv/$name.asis"),
                     %c };
}

# control characters: the link-value is malformed (bad-link) and dropped
# from the response; the next one is decided
asis_case('ctl-vt',  promised => [$OK], absent => ["a\x0bb"],
          dec => [["</adv/a\x0bb.css>; rel=preload", undef, 'bad-link'], @okd]);
asis_case('ctl-ff',  promised => [$OK], absent => ['/adv/ff.css'],
          dec => [["</adv/ff.css>; rel=preload; title=\"x\x0cy\"", undef, 'bad-link'], @okd]);
asis_case('ctl-del', promised => [$OK], absent => ['/adv/del.css'],
          dec => [["</adv/del.css>;\x7frel=preload", undef, 'bad-link'], @okd]);
asis_case('ctl-tab', promised => [$OK], absent => ["a\tb"],
          dec => [["</adv/a\tb.css>; rel=preload", undef, 'bad-link'], @okd]);
asis_case('ctl-obs', promised => [$OK], absent => ["\xff"],
          dec => [["</adv/\xff\xfe.css>; rel=preload", undef, 'bad-link'], @okd]);

# CR LF and NUL percent-encoded: paths that do not exist
asis_case('pct-crlf', promised => [$OK],
          dec => [['/adv/ok.css%0d%0aX-Injected:%20yes', '/adv/ok.css%0D%0AX-Injected:%20yes', 'not-found'],
                  ['/adv/ok.css%00.txt', '/adv/ok.css%00.txt', 'not-found'], @okd],
          extra => sub {
              my($log, $h, $sid) = @_;
              is_deeply([$log->header($sid, 'x-injected')], [], 'pct-crlf: no header injected');
              is(link_state($log, $sid, '/adv/ok.css%0d%0aX-Injected:%20yes'), 'nopush',
                 'pct-crlf: the encoded CR LF link is passed on with nopush');
          });

# NUL: httpd ends the header line there ("</adv/a"); the rest of that line
# (nul-lost.css) is gone, the next lines are intact
asis_case('nul', promised => [$OK], absent => ['nul-lost', '</adv/a'],
          dec => [['</adv/a', undef, 'bad-link'], @okd],
          extra => sub {
              my($log, $h, $sid) = @_;
              is_deeply([$log->header($sid, 'x-after-nul')], ['yes'],
                        'nul: the header line after the NUL line is intact');
          });

# unterminated "<" (three places) and quotes; httpd merges an asis file's
# Link lines into one field, so an open quote runs into the next line
asis_case('angle', promised => [$OK, '/adv/q2.css'], absent => ['ua1', 'ua2', 'ua3'],
          dec => [['</adv/ua1.css; rel=preload', undef, 'bad-link'], @okd,
                  ['</adv/ua2.css;rel=preload', undef, 'bad-link'],
                  ['/adv/q2.css', '/adv/q2.css', 'promised'],
                  notfound('/adv/q3.css'),
                  ['</adv/ua3.css', undef, 'bad-link']],
          extra => sub {
              my($log, $h, $sid) = @_;
              is(link_state($log, $sid, '/adv/q3.css'), 'nopush', 'angle: q3.css with nopush');
          });
asis_case('quote', promised => [$OK], absent => ['uq1', 'uq2', 'uq3'],
          dec => [['</adv/uq1.css>; rel=preload; title="abc, </adv/uq2.css>; rel=preload, '
                   . '</adv/uq3.css>; rel="preload', undef, 'bad-link'], @okd]);

# escaped quotes: "a\", </adv/nq-gone1.css>; rel=preload, \"b" is one
# quoted-string; nq-gone1.css is not a link and must not be pushed.
#
# mod_http2 parses the Link headers the module hands on with its own,
# laxer parser (no quoted-pair: \" ends a quoted-string; '%' is not a token
# character and ends the params; the last rel param wins) and stops at the
# first link-value it cannot read.  The module therefore writes each
# link-value as a header of its own, in a form both parsers read alike:
# nopush first, one rel, '%' quoted, and a parameter whose value would need
# a quoted-pair left out.  These cases check that mod_http2 then pushes
# exactly what the module promised.
asis_case('nested', promised => [$OK], dec => [@okd],
          extra => sub {
              my($log, $h, $sid) = @_;
              my @l = $log->link_headers($sid);
              is_deeply([grep { /nq-gone1/ } @l], [],
                        'nested: no Link the client gets names the quoted target');
              is_deeply([grep { m{^</adv/ok\.css>} } @l],
                        ['</adv/ok.css>; rel=preload; as=style'],
                        'nested: ok.css promised, its quoted title left out');
          });
asis_case('nested-other', promised => [$OK], dec => [@okd]);

# withheld links (missing files) with a param before the "; nopush" the
# module appends; a valid non-preload link-value before a preload one
asis_case('nopush-pct', promised => [$OK], dec => [notfound('/adv/pp-gone1.css'), @okd]);
asis_case('nopush-esc', promised => [$OK], dec => [notfound('/adv/pp-gone2.css'), @okd]);
asis_case('hide',       promised => [$OK], dec => [@okd]);

# rel with 1000 tokens (preload the 500th); 800 near misses: no candidate
asis_case('rel1000', promised => [$OK], dec => [@okd],
          extra => sub {
              my($log, $h, $sid) = @_;
              my $f = asis_link_field('/adv/rel1000.asis');
              my($rel) = $f =~ /^<\/adv\/ok\.css>; rel="([^"]*)"/;
              is(scalar(my @t = split ' ', $rel // ''), 1000, 'rel1000: fixture has 1000 rel tokens');
              is(link_state($log, $sid, '/adv/rel-miss.css'), 'other',
                 'rel1000: the near-miss link is passed on, not a preload');
          });

# the second rel of a link-value is ignored (RFC 8288 3.3): no candidate
# (dr-gone2 has "rel" without a value first, then "REL=preload")
asis_case('duprel', promised => [$OK], dec => [@okd]);

# traversal: %2e%2e is "..": resolved to /adv/trav.css (which the pushed
# stream serves); %2f / %5c stay encoded: looked up, not found
asis_case('trav', promised => [$OK, '/adv/trav.css'],
          dec => [['/%2e%2e/%2e%2e/adv/trav.css', '/adv/trav.css', 'promised'], @okd]);
asis_case('trav-enc', promised => [$OK],
          dec => [['/..%2f..%2fetc/passwd', '/..%2F..%2Fetc/passwd', 'not-found'],
                  ['/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/..%2F..%2Fetc%2Fpasswd', 'not-found'],
                  ['/adv/../../../../etc/passwd', '/etc/passwd', 'not-found'],
                  ['/adv/..%5c..%5cetc%5cpasswd', '/adv/..%5C..%5Cetc%5Cpasswd', 'not-found'],
                  @okd]);
asis_case('backslash', promised => [$OK],
          dec => [['/adv\\x.css', undef, 'bad-uri'],
                  ['/adv\\..\\..\\etc\\passwd', undef, 'bad-uri'], @okd],
          extra => sub {
              my($log, $h, $sid) = @_;
              is(link_state($log, $sid, '/adv\\x.css'), 'nopush', 'backslash: passed on with nopush');
          });

# other origins
asis_case('origin', promised => [$OK],
          dec => [['//evil.example/x.js', undef, 'not-same-origin'],
                  ['https://other.example/x.js', undef, 'not-same-origin'], @okd,
                  ['javascript:alert(1)', undef, 'not-same-origin'],
                  ['JavaScript:alert(1)', undef, 'not-same-origin'],
                  ['data:text/css,body{}', undef, 'not-same-origin'],
                  ['///adv/ok.css', undef, 'not-same-origin']]);
$case{'cgi-origin'} = {
    page => '/cgi-bin/adv-links.cgi/origin', body => cgi_body('origin'),
    promised => [$OK, '/adv/abs.css'],
    dec => [["https://[::1]:$port/adv/ok.css", undef, 'not-same-origin'],
            ['https://[::1', undef, 'bad-uri'],
            ["https://127.0.0.1:$port\@other.example/x.js", undef, 'not-same-origin'],
            ["https://other.example\@127.0.0.1:$port/adv/ui.css", undef, 'not-same-origin'],
            ["http://127.0.0.1:$port/adv/scheme.css", undef, 'not-same-origin'],
            ['https://127.0.0.1:99999/adv/port.css', undef, 'bad-uri'],
            ["https://127.0.0.1%3a$port/adv/pct.css", undef, 'not-same-origin'],
            ["https://$host/adv/abs.css", '/adv/abs.css', 'promised'],
            ["HTTPS://$host/adv/ok.css", $OK, 'promised']],
};

# the page itself: never pushed (reason self, since issue 11)
asis_case('self', promised => [],
          dec => [['/adv/self.asis', '/adv/self.asis', 'self']]);
# a pushed resource with a Link of its own: no push from a pushed stream,
# its Link is not rewritten
asis_case('chain', promised => ['/adv/chain-child.asis'],
          dec => [['/adv/chain-child.asis', '/adv/chain-child.asis', 'promised']],
          extra => sub {
              my($log, $h, $sid) = @_;
              my($p) = grep { ($_->{path} // '') eq '/adv/chain-child.asis' } @{ $h->{promises} || [] };
              my $ps = $p && $h->{streams}{ $p->{promised} };
              is_deeply([map { $_->[1] } grep { $_->[0] eq 'link' } @{ $ps ? $ps->{headers} : [] }],
                        ['</adv/chain-grandchild.css>; rel=preload'],
                        'chain: the pushed response keeps its Link as served');
              my $cid = $log->pushed_stream('/adv/chain-child.asis');
              is_deeply([$log->promises($cid ? $cid->{id} : 0)], [],
                        'chain: nothing promised on the pushed stream (nghttp)');
          });

# a redirect (302), a directory without index (404), a directory without
# its slash (mod_dir: 301): all not-found for the lookup
asis_case('redirect', promised => [$OK],
          dec => [notfound('/adv/moved.css', '/adv/dir/', '/adv/dir'), @okd]);

# 2 GiB and 4 GiB + 1 sparse files, over H2PushMaxSize (default 1M)
asis_case('huge', promised => [$OK],
          dec => [['/adv/huge-2g.bin', '/adv/huge-2g.bin', 'too-large'],
                  ['/adv/huge-4g1.bin', '/adv/huge-4g1.bin', 'too-large'], @okd]);

# one Link line of 8189 bytes: hundreds of link-values; 300 Link lines.
# Every value is decided (the last one, ok.css, too: parsing went on), but
# only the first $LOOKUPS are looked up: the rest, ok.css included, are
# over-limit
{
    my @nx = asis_link_field('/adv/len-max.asis') =~ m{</adv/nx/(\d+)\.css>}g;
    asis_case('len-max', promised => [],
              dec => [budget(notfound(map { "/adv/nx/$_.css" } @nx), @okd)],
              extra => sub {
                  my($head) = asis_parts('/adv/len-max.asis');
                  my($line) = grep { /^Link: / } split /\n/, $head;
                  is(length $line, 8189, 'len-max: fixture line is 8189 bytes');
                  cmp_ok(scalar @nx, '>=', 200, 'len-max: hundreds of link-values');
              });
    my @l = asis_link_field('/adv/lines300.asis') =~ m{</adv/nx/(l\d+)\.css>}g;
    asis_case('lines300', promised => [],
              dec => [budget(notfound(map { "/adv/nx/$_.css" } @l), @okd)],
              extra => sub {
                  my($log, $h, $sid) = @_;
                  my($head) = asis_parts('/adv/lines300.asis');
                  is(scalar(my @x = $head =~ /^Link: /mg), 300, 'lines300: fixture has 300 Link lines');
                  is(scalar(my @v = $log->links($sid)), 300, 'lines300: 300 link-values in the response');
              });
}
# one byte over: httpd drops the line (and the rest of the headers)
asis_case('len-over', promised => [], dec => [], body => '',
          extra => sub {
              like(log_since('error_log', $_[3]), qr/malformed header from script 'len-over\.asis'/,
                   'len-over: httpd refused the header line');
          });

# the same from a CGI: its limit, and one byte over (500)
$case{'cgi-len-max'} = {
    page => '/cgi-bin/adv-links.cgi/len-max', body => cgi_body('len-max'),
    promised => [],
    dec => sub {
        # what the CGI sends, as HTTP/1.1 shows it (headers untouched)
        my $ref = H2PushTest::http(vhost => 'main', path => '/cgi-bin/adv-links.cgi/len-max');
        my($f) = H2PushTest::header_values($ref, 'link');
        my @n = ($f // '') =~ m{</adv/cnx/(\d+)\.css>}g;
        return [budget(notfound(map { "/adv/cnx/$_.css" } @n), @okd)];
    },
    extra => sub {
        my($log, $h, $sid) = @_;
        is_deeply([$log->header($sid, 'x-line-length')], [8189],
                  'cgi-len-max: the Link line is 8189 bytes');
    },
};
$case{'cgi-len-over'} = {
    page => '/cgi-bin/adv-links.cgi/len-over', body => undef, status => 500,
    promised => [], dec => [],
    extra => sub {
        like(log_since('error_log', $_[3]), qr/Premature end of script headers: adv-links\.cgi/,
             'cgi-len-over: httpd refused the header line');
    },
};

# --- a Link to a CGI that takes 10 s ------------------------------------------
# The lookup resolves the path, it runs no handler: the page is not held
# back.  The CGI answers from a handler (no size to check before it runs):
# not pushed without H2PushGenerated on (reason generated, since issue 11).
# First of all, so that a CGI pushed after all would be done long before
# the server stops.
my($slow_mark, $slow_t0) = (log_mark('h2push_log'), Time::HiRes::time());
my $slow_pushed;
{
    my $mark = log_mark();
    # a bound, not a measurement: a lookup that ran the CGI would hold
    # the page back for 10 s
    my $r = adv_h2_parent(vhost => 'h2tls', path => '/adv/slow.asis', timeout => 9.5);
    ok(!$r->{error}, 'slow: the page stream ended') or diag explain $r;
    is($r->{status}, '200', 'slow: 200');
    is(sha256_hex($r->{body}), sha256_hex(asis_body('/adv/slow.asis')), 'slow: body as served');
    ok(defined $r->{elapsed} && $r->{elapsed} < 8,
       'slow: the page is complete in less than 8 s (the CGI sleeps 10 s)')
        or diag 'elapsed: ' . ($r->{elapsed} // 'did not end');
    $slow_pushed = grep { $_ eq '/cgi-bin/adv-slow.cgi' } @{ $r->{promises} || [] };
    is_deeply([sort @{ $r->{promises} || [] }], ['/adv/ok.css'],
              'slow: ok.css promised, not the CGI');
    decisions_ok(log_since('error_log', $mark),
                 [['/cgi-bin/adv-slow.cgi', '/cgi-bin/adv-slow.cgi', 'generated'], @okd],
                 'push', 'slow: decisions in the debug log');
}

# --- fixtures: what the server would serve --------------------------------
{
    my %want = ($OK => 200, '/adv/q2.css' => 200, '/adv/trav.css' => 200,
                '/adv/abs.css' => 200, '/adv/chain-grandchild.css' => 200,
                '/adv/moved.css' => 302, '/adv/dir' => 301, '/adv/dir/' => 404,
                '/adv/q3.css' => 404, '/etc/passwd' => 404,
                '/..%2F..%2Fetc/passwd' => 404, '/adv/..%5C..%5Cetc%5Cpasswd' => 404,
                '/adv/ok.css%0D%0AX-Injected:%20yes' => 404,
                '/adv/nq-gone1.css' => 404, '/adv/dr-gone1.css' => 404,
                '/adv/pp-gone1.css' => 404);
    my @bad = grep {
        my $r = H2PushTest::http(vhost => 'main', path => $_);
        $r->{status} != $want{$_}
    } sort keys %want;
    is_deeply(\@bad, [], 'fixtures: each path answers as expected');
    for my $p (sort keys %huge) {
        my $r = H2PushTest::http(vhost => 'main', path => $p, method => 'HEAD');
        is_deeply([$r->{status}, H2PushTest::header_values($r, 'content-length')],
                  [200, $huge{$p}], "fixture: $p is served, $huge{$p} bytes");
    }
}

# --- every case, GET from push clients --------------------------------------
# python3-h2: every page on one connection to <VirtualHost h2c> (no push
# diary there, so each page gets its own pushes): bodies of the pages and
# of every pushed stream.
my $hmark = log_mark();
my $hall = h2client(vhost => 'h2c', paths => [map { $case{$_}{page} } sort keys %case]);
my $htext = log_since('error_log', $hmark);
ok(!$hall->{error}, 'h2client: every stream ended') or diag explain $hall;
my %hsid = map { $_->{path} => $_->{id} } grep { !$_->{pushed} }
           values %{ $hall->{streams} || {} };
is_deeply([grep { $_->{parent} % 2 == 0 } @{ $hall->{promises} || [] }], [],
          'h2client: nothing promised on a pushed stream');
# link-values that are no candidate (inside a quoted-string, a second rel,
# near misses, cut off by a NUL, a pushed response's own Link, a header
# line httpd refused): never decided
is_deeply([grep { m{^<?/adv/(?:nq-gone|dr-gone|rel-miss|nul-lost|uq2|chain-grandchild|c?over/)} }
           map { $_->{target} } adv_decisions($htext)], [],
          'h2client: no decision on link-values that are no candidate');

for my $name (sort keys %case) {
    my $c = $case{$name};
    my $page = $c->{page};
    my $status = $c->{status} // 200;
    my $dec = ref $c->{dec} eq 'CODE' ? $c->{dec}->() : $c->{dec};

    # nghttp (TLS, one connection per page): frame log, debug log
    my $mark = log_mark();
    my $log = nghttp(vhost => 'h2tls', paths => [$page]);
    my $text = log_since('error_log', $mark);
    my $sid = $log->sid_of($page) // -1;
    ok($log->ok, "$name: nghttp exits 0") or diag $log->summary;
    is($log->status($sid), $status, "$name: nghttp: status $status");
    is($log->data_len($sid), length $c->{body}, "$name: nghttp: body length as served")
        if defined $c->{body};
    promised_ok($log, $page, $c->{promised},
                "$name: nghttp: promised [@{ $c->{promised} }]");
    decisions_ok($text, $dec, 'push', "$name: debug log: the decisions");
    for my $a (@{ $c->{absent} || [] }) {
        my @l = grep { index($_, $a) >= 0 } $log->link_headers($sid);
        is_deeply(\@l, [], "$name: no Link in the response has " . adv_log_escape($a));
    }

    # python3-h2: the page's body, what was pushed with it
    my $hs = defined $hsid{$page} ? $hall->{streams}{ $hsid{$page} } : undef;
    my @prom = grep { $hs && $_->{parent} == $hs->{id} } @{ $hall->{promises} || [] };
    is($hs && $hs->{status}, $status, "$name: h2client: status $status");
    is($hs && $hs->{sha256}, sha256_hex($c->{body}), "$name: h2client: body bytes as served")
        if defined $c->{body};
    is_deeply([sort map { $_->{path} // '?' } @prom], [sort @{ $c->{promised} }],
              "$name: h2client: promised [@{ $c->{promised} }]");
    for my $p (@prom) {
        my $path = $p->{path} // '?';
        my $st = $hall->{streams}{ $p->{promised} } || {};
        my $want = $path =~ /\.asis$/ ? asis_body($path)
                 : -f htdocs_file($path) ? file_content(htdocs_file($path)) : undef;
        ok(defined $want && ($st->{status} // '') eq '200'
           && ($st->{sha256} // '') eq sha256_hex($want),
           "$name: pushed $path: 200 with the resource")
            or diag "pushed $path: status " . ($st->{status} // '-') . ', '
                    . ($st->{length} // '-') . " bytes";
    }
    $c->{extra}->($log, { %$hall, promises => \@prom }, $sid, $mark) if $c->{extra};
}

# --- the nastiest again: HEAD, and a client that refuses pushes -------------
for my $name (qw(nested duprel nopush-pct lines300 len-max ctl-obs angle)) {
    my $c = $case{$name};
    my $page = $c->{page};

    my $mark = log_mark();
    my $log = nghttp(vhost => 'h2tls', paths => [$page], method => 'HEAD');
    my $sid = $log->sid_of($page) // -1;
    is($log->status($sid), 200, "$name HEAD: 200");
    is($log->data_len($sid), 0, "$name HEAD: no body");
    is_deeply([$log->promised_paths], [], "$name HEAD: nothing promised")
        or diag $log->summary;
    decisions_ok(log_since('error_log', $mark), $c->{dec}, 'head',
                 "$name HEAD: decisions in the debug log");

    $mark = log_mark();
    $log = nghttp(vhost => 'h2tls', paths => [$page], no_push => 1);
    $sid = $log->sid_of($page) // -1;
    is($log->status($sid), 200, "$name no-push: 200");
    is($log->data_len($sid), length $c->{body}, "$name no-push: body length as served");
    is_deeply([$log->promised_paths], [], "$name no-push: nothing promised")
        or diag $log->summary;
    is_deeply([$log->links($sid)], [split_link_values(asis_link_field($page))],
              "$name no-push: Link headers as served") or diag $log->summary;
    decisions_ok(log_since('error_log', $mark), $c->{dec}, 'nopush',
                 "$name no-push: decisions in the debug log");
}

# --- HTTP/1.1: the module leaves the response alone -------------------------
for my $name (qw(nested duprel lines300 ctl-obs)) {
    my $c = $case{$name};
    my $r = H2PushTest::http(vhost => 'main', path => $c->{page});
    is($r->{status}, 200, "$name HTTP/1.1: 200");
    is(sha256_hex($r->{body}), sha256_hex($c->{body}), "$name HTTP/1.1: body as served");
    is(join(', ', H2PushTest::header_values($r, 'link')), asis_link_field($c->{page}),
       "$name HTTP/1.1: Link as served");
}

# --- still alive, and no child crashed during the whole run -----------------
# (first let a pushed stream of the slow CGI end, if it was pushed: its
# access log line is written when its 10 s are over; a server stopped
# before that waits for it)
if ($slow_pushed) {
    my $left = $slow_t0 + 15 - Time::HiRes::time();
    wait_log('h2push_log', $slow_mark, qr{GET /cgi-bin/adv-slow\.cgi},
             $left > 0.1 ? $left : 0.1);
}
{
    my $r = H2PushTest::http(vhost => 'h2tls', path => $OK, http => '2');
    is($r->{status}, 200, 'the server still answers');
    my @crash = adv_crash_lines(log_since('error_log', 0));
    is_deeply(\@crash, [], 'error_log: no crashed or killed child');
}

diag sprintf '40_adversarial: %.1f s', Time::HiRes::time() - $t_start;
done_testing();
