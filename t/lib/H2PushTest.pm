package H2PushTest;
# The mod_h2push Apache::Test suite's helpers, by role (t/README.md tells
# how a test uses them):
#
#   H2PushTest::Clients   asking the server: nghttp(), h2client() (python3-
#                         h2, t/h2client.py), http() / curl_v() (curl),
#                         raw_h1() (a socket), hint_h1() / hint_h2() (one
#                         visit and its 103s), h1burst() (t/h1burst.py);
#                         the one HTTP/1 header-block parser and the one
#                         response shape (described at its top)
#   H2PushTest::Log       `nghttp -nv`'s frame log, parsed
#   H2PushTest::Server    the status counters (status_json(), counted()),
#                         the logs, configtest(), standalone apache2,
#                         redis-server and backend processes
#   H2PushTest::Common    vhosts, ports, URLs, files, commands, the module
#                         under test, Link header values
#
# `use H2PushTest qw(:all)` imports every helper of all four; each stays
# callable as H2PushTest::name too.
use strict;
use warnings;

use Exporter 'import';
use H2PushTest::Common ();
use H2PushTest::Log ();
use H2PushTest::Clients ();
use H2PushTest::Server ();

our @EXPORT_OK;
for my $m (qw(H2PushTest::Common H2PushTest::Log H2PushTest::Clients
              H2PushTest::Server)) {
    no strict 'refs';
    for my $name (grep { /^\w/ } @{"${m}::EXPORT_OK"}) {    # subs, not $vars
        *{"H2PushTest::$name"} = \&{"${m}::$name"};
        push @EXPORT_OK, $name;
    }
}
our %EXPORT_TAGS = (all => \@EXPORT_OK);

1;
