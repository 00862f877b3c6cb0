# Bad directives make `apache2 -t` fail, naming the file, the line, the
# directive and what is wrong; mod_h2push must be loaded after mod_http2.
# Each case is a small standalone configuration (t/logs/configtest/).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use H2PushTest qw(:all);

ok(h2push_so_exists(), 'the module is built (.libs/mod_h2push.so)');

# A good configuration with every directive passes (so the failures below
# are caused by the bad line alone).
{
    my $r = configtest(name => 'good', lines => [
        'H2PushDiaryEntries 128',
        'H2PushResource /a.css',
        'H2PushResource add /b.js critical as=script crossorigin=anonymous',
        'H2PushResource /c.woff2 as=font crossorigin nopush',
        '<Directory "/tmp">',
        '  H2PushResource off',
        '  H2PushLinks off',
        '  H2PushMax 3',
        '  H2PushMaxSize 512K',
        '  H2PushVerify off',
        '</Directory>',
        '<Location /x>',
        '  H2PushMaxSize 1048576',
        '  H2PushMax 0',
        '</Location>',
        '<VirtualHost *:80>',
        '  H2PushDiaryEntries 0',
        '</VirtualHost>',
    ]);
    is($r->{rc}, 0, 'good configuration: apache2 -t passes') or diag $r->{out};
    like($r->{out}, qr/Syntax OK/, 'good configuration: Syntax OK');
}

# [ name, lines, bad line index (0-based), directive, pattern for "what" ]
my @bad = (
    ['max-negative',   ['H2PushMax -1'], 0, 'H2PushMax', qr/-1/],
    ['max-word',       ['H2PushMax lots'], 0, 'H2PushMax', qr/lots/],
    ['maxsize-unit',   ['H2PushMaxSize 12Q'], 0, 'H2PushMaxSize', qr/12Q/],
    ['resource-none',  ['H2PushResource'], 0, 'H2PushResource', qr/path|argument/i],
    ['resource-add-only', ['H2PushResource add'], 0, 'H2PushResource', qr/path|argument/i],
    ['resource-relative', ['H2PushResource a.css'], 0, 'H2PushResource', qr/a\.css/],
    ['resource-url',   ['H2PushResource https://other.example/a.css'], 0, 'H2PushResource',
                       qr{https://other\.example/a\.css}],
    ['resource-attr',  ['H2PushResource /a.css bogus=1'], 0, 'H2PushResource', qr/bogus=1/],
    ['resource-attr-in-dir', ['<Location /x>', 'H2PushResource /a.css as=', '</Location>'],
                       1, 'H2PushResource', qr/as=/],
    ['diary-in-dir',   ['<Directory "/tmp">', 'H2PushDiaryEntries 5', '</Directory>'],
                       1, 'H2PushDiaryEntries', qr/not allowed/i],
    ['diary-word',     ['H2PushDiaryEntries many'], 0, 'H2PushDiaryEntries', qr/many/],
    ['links-flag',     ['H2PushLinks maybe'], 0, 'H2PushLinks', qr/on|off/i],
);

for my $c (@bad) {
    my($name, $lines, $bad, $directive, $what) = @$c;
    my $r = configtest(name => $name, lines => $lines);
    my $line = $r->{lines_before} + $bad + 1;
    isnt($r->{rc}, 0, "$name: apache2 -t fails") or diag $r->{out};
    like($r->{out}, qr/line \Q$line\E of \Q$r->{file}\E/,
         "$name: names file and line $line") or diag $r->{out};
    like($r->{out}, qr/\Q$directive\E/, "$name: names $directive");
    like($r->{out}, $what, "$name: says what is wrong");
}

# Loaded before mod_http2: refused
{
    my $r = configtest(name => 'before-http2', before_http2 => 1,
                       lines => ['H2PushResource /a.css']);
    isnt($r->{rc}, 0, 'loaded before mod_http2: apache2 -t fails') or diag $r->{out};
    like($r->{out}, qr/after/, 'loaded before mod_http2: message says "after"');
    like($r->{out}, qr/http2/, 'loaded before mod_http2: message names http2');

    my $ok = configtest(name => 'after-http2', lines => ['H2PushResource /a.css']);
    is($ok->{rc}, 0, 'the same configuration, loaded after mod_http2: passes')
        or diag $ok->{out};
}

done_testing();
