package H2PushTest::Server;
# The server side: the status page's counters, the logs, configurations
# checked with `apache2 -t`, and the processes a test starts itself
# (standalone apache2, redis-server, t/backend103.py).
#
#   status_json() / status_delta() / counted()   the h2push-status counters
#       (counted(): a visit between two snapshots and a log mark)
#   log_mark() / log_since() / wait_log()   lines appended to t/logs/*;
#       learn_lines(), adv_decisions(), adv_crash_lines(), adv_log_escape()
#       read the module's lines in them
#   configtest()           `apache2 -t` on a small standalone configuration
#   apache_standalone(), graceful_restart(), spawn(), stop_spawned(),
#   free_port(), wait_port(), unix_socket_up()   processes of a test
#   redis_cmd(), redis_dbsize()   a redis-server
#   backend103_start() / _stop() / _raw()   t/backend103.py, a backend
#       sending its own 1xx
#   learn_key()            the key a page is learned under
use strict;
use warnings;

use Exporter 'import';
use File::Spec ();
use JSON::PP ();
use Time::HiRes ();
use H2PushTest::Common qw(vars vhost_port scheme_of file_content file_put
                          run_cmd module_dir module_so $PYTHON);
use H2PushTest::Clients qw(http);

our @EXPORT_OK = qw(status_json status_json_of flatten_json status_delta
                    counted log_path log_mark log_since wait_log learn_lines
                    adv_log_escape adv_decisions adv_crash_lines configtest
                    apache_standalone graceful_restart spawn spawned_pid
                    stop_spawned free_port wait_port unix_socket_up redis_cmd
                    redis_dbsize backend103_start backend103_stop
                    backend103_raw learn_key);

# ---------------------------------------------------------------------------
# Status counters, flattened: { responses, links, promised,
# 'skipped.nopush', ... }.  undef when the page could not be read.
#   status_json()                  the test server's, through 'main'
#   status_json(vhost => 'polh2')  through another vhost (the status page is
#                                  a global <Location>): the learned.*
#                                  counters count what that vhost's requests do
#   status_json(port => N)         a standalone server on 127.0.0.1:N
sub status_json {
    my %o = @_;
    my $res = http(vhost => $o{vhost} || 'main', path => '/h2push-status?json',
                   http => '1.1', $o{port} ? (port => $o{port}) : ());
    return undef unless $res->{status} == 200;
    my $j = eval { JSON::PP->new->decode($res->{body}) } or return undef;
    return flatten_json($j);
}

sub status_json_of { status_json(vhost => shift) }

# nested groups flattened with dotted names: "skipped.diary",
# "hints.sent", "learned.refused.private"
sub flatten_json {
    my $j = shift;
    my %flat;
    my @todo = (['', $j]);
    while (my $t = shift @todo) {
        my($prefix, $h) = @$t;
        for my $k (keys %$h) {
            if (ref $h->{$k} eq 'HASH') {
                push @todo, ["$prefix$k.", $h->{$k}];
            }
            else {
                $flat{"$prefix$k"} = $h->{$k};
            }
        }
    }
    return \%flat;
}

# Counter changes between two status_json() snapshots; a missing snapshot
# gives an empty hash (so assertions fail instead of the test dying).
sub status_delta {
    my($before, $after) = @_;
    return {} unless $before && $after;
    my %d;
    $d{$_} = ($after->{$_} // 0) - ($before->{$_} // 0) for keys %$after;
    return \%d;
}

# ---------------------------------------------------------------------------
# Run $visit->() between two snapshots of the counters (status_json(%o))
# and a mark in the error log ($o{log}, default error_log): returns
# ($result of the visit, the counter changes, the error log text written
# since the mark, read after the second snapshot, i.e. after the visit's
# response was complete).  settle => qr/.../: before the second snapshot,
# wait (bounded, 3 s) for that in the error log -- for an h2 visit, which
# has no barrier request (see hint_h1): the module learns (or refuses to)
# at log_transaction, which may come after the client had the response.
sub counted {
    my($visit, %o) = @_;
    my $log = delete $o{log} || 'error_log';
    my $settle = delete $o{settle};
    my $before = status_json(%o);
    my $mark = log_mark($log);
    my $res = $visit->();
    wait_log($log, $mark, $settle, 3) if $settle;
    my $d = status_delta($before, status_json(%o));
    return ($res, $d, log_since($log, $mark));
}

# ---------------------------------------------------------------------------
# Logs under t/logs.
sub log_path { File::Spec->catfile(vars('t_logs'), $_[0] || 'error_log') }

sub log_mark { my $f = log_path(shift); return -s $f || 0 }

sub log_since {
    my($name, $mark) = @_;
    open my $fh, '<', log_path($name) or return '';
    seek $fh, $mark, 0;
    local $/;
    return <$fh> // '';
}

# Wait (bounded) until the text appended to a log since $mark matches $re:
# access log lines are written when a stream ends, which may be after the
# client has its last frame.  Returns the appended text.
sub wait_log {
    my($name, $mark, $re, $timeout) = @_;
    my $deadline = Time::HiRes::time() + ($timeout || 10);
    my $text;
    while (1) {
        $text = log_since($name, $mark);
        return $text if $text =~ $re;
        last if Time::HiRes::time() > $deadline;
        Time::HiRes::sleep(0.05);
    }
    return $text;
}

# ---------------------------------------------------------------------------
# The "h2push learn: ..." lines in a piece of error log, without the log
# prefix: "stored KEY: VALUE", "replaced KEY: VALUE", "not learned
# (REASON)", "evicted KEY".
sub learn_lines {
    my $text = shift // '';
    return map { /h2push learn: (.*)$/ ? $1 : () } split /\n/, $text;
}

# A string as httpd's error log writes it (ap_escape_errorlog_item):
# backslashes, control and non-ASCII bytes escaped, quotes left as they are.
sub adv_log_escape {
    my($s) = @_;
    my %named = ("\b" => '\b', "\n" => '\n', "\r" => '\r', "\t" => '\t',
                 "\x0b" => '\v', '\\' => '\\\\');
    $s =~ s{([\x00-\x1f\x7f-\xff\\])}
           {exists $named{$1} ? $named{$1} : sprintf('\x%02x', ord $1)}ge;
    return $s;
}

# The module's decision lines in a piece of error_log, in order:
# ({ source, target, path, result }), result the skip reason or
# "promised"/"hinted".
sub adv_decisions {
    my($text) = @_;
    my @d;
    for my $line (split /\n/, $text // '') {
        next unless $line =~ /h2push decision: source=(\S+) target=<(.*)> path=(\S*) result=(.*)$/;
        my($src, $t, $p, $r) = ($1, $2, $3, $4);
        $r = $r =~ /^skipped reason=(\S+)/ ? $1 : ($r =~ /^(\S+)/)[0];
        push @d, { source => $src, target => $t, path => $p, result => $r };
    }
    return @d;
}

# Lines telling of a crashed or killed child.
sub adv_crash_lines {
    my($text) = @_;
    return grep { /AH00052|exit signal|Segmentation fault|\[core:(?:crit|alert|emerg)\]|AddressSanitizer/ }
           split /\n/, $text // '';
}


# ---------------------------------------------------------------------------
# Configurations and processes

# configtest(lines => [...], before_http2 => 1, name => 'x')
# Writes a minimal standalone configuration and runs `apache2 -t` on it.
# Returns { rc, out, file, lines_before } (lines_before: number of lines
# before the test lines, so the test line N is line lines_before + N).
sub configtest {
    my %o = @_;
    my $dir = File::Spec->catdir(vars('t_logs'), 'configtest');
    mkdir $dir unless -d $dir;
    my $name = $o{name} || 'cfg';
    $name =~ s/[^\w.-]+/_/g;
    my $file = File::Spec->catfile($dir, "$name.conf");
    my $mods = module_dir();
    my $so = module_so();
    my @load_h2push = (qq{LoadModule h2push_module "$so"});
    my @load_http2  = (qq{LoadModule http2_module "$mods/mod_http2.so"});
    my @head = (
        "# generated by t/lib/H2PushTest.pm configtest()",
        qq{ServerRoot "$dir"},
        qq{DefaultRuntimeDir "$dir"},
        qq{PidFile "$dir/$name.pid"},
        qq{ErrorLog "$dir/$name.error_log"},
        "Listen 127.0.0.1:" . (vars('port') + 100),
        "ServerName localhost",
        qq{LoadModule mpm_event_module "$mods/mod_mpm_event.so"},
        qq{LoadModule authz_core_module "$mods/mod_authz_core.so"},
        ($o{before_http2} ? (@load_h2push, @load_http2)
                          : (@load_http2, @load_h2push)),
    );
    @head = grep { !/h2push_module/ } @head if $o{no_h2push};
    open my $fh, '>', $file or die "$file: $!";
    print $fh map { "$_\n" } @head, @{ $o{lines} || [] };
    close $fh;
    my($rc, $out, $err) = run_cmd(vars('httpd'), '-t', '-d', $dir, '-f', $file);
    return { rc => $rc, out => "$out$err", file => $file,
             lines_before => scalar(@head) };
}

# A loopback TCP port that was free a moment ago.
sub free_port {
    require IO::Socket::INET;
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp', Listen => 1, ReuseAddr => 1)
        or return undef;
    my $p = $s->sockport;
    close $s;
    return $p;
}

# Wait (bounded) until something accepts connections on 127.0.0.1:$port,
# or, with $pid, give up early when that process has exited.  1 when up.
sub wait_port {
    my($port, $timeout, $pid) = @_;
    require IO::Socket::INET;
    require POSIX;
    my $deadline = Time::HiRes::time() + ($timeout || 10);
    while (Time::HiRes::time() < $deadline) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $port, Proto => 'tcp',
                                      Timeout => 1);
        if ($s) { close $s; return 1 }
        return 0 if $pid && waitpid($pid, POSIX::WNOHANG()) == $pid;
        Time::HiRes::sleep(0.05);
    }
    return 0;
}

# Wait (bounded) until something accepts connections on the Unix socket
# $path, or, with $pid, give up early when that process has exited.
sub unix_socket_up {
    my($path, $timeout, $pid) = @_;
    require IO::Socket::UNIX;
    require POSIX;
    my $deadline = Time::HiRes::time() + ($timeout || 10);
    while (Time::HiRes::time() < $deadline) {
        my $s = IO::Socket::UNIX->new(Peer => $path, Type => Socket::SOCK_STREAM());
        if ($s) { close $s; return 1 }
        return 0 if $pid && waitpid($pid, POSIX::WNOHANG()) == $pid;
        Time::HiRes::sleep(0.05);
    }
    return 0;
}

# Processes a test started itself (standalone apache2, redis-server), by
# name.  spawn() runs @cmd with its output appended to $dir/$name.out;
# stop_spawned() sends TERM, waits (bounded) and KILLs what is left; the
# END block below stops whatever a test left running.
my %SPAWNED;    # name => pid

sub spawn {
    my($dir, $name, @cmd) = @_;
    require POSIX;
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$dir/$name.out";
        open STDERR, '>&', \*STDOUT;
        exec { $cmd[0] } @cmd or POSIX::_exit(127);
    }
    $SPAWNED{$name} = $pid;
    return $pid;
}

sub spawned_pid { $SPAWNED{ $_[0] } }

sub stop_spawned {
    my $name = shift;
    require POSIX;
    my $pid = delete $SPAWNED{$name} or return 1;
    kill 'TERM', $pid;
    my $deadline = Time::HiRes::time() + 10;
    while (Time::HiRes::time() < $deadline) {
        my $w = waitpid($pid, POSIX::WNOHANG());
        return 1 if $w == $pid || $w == -1;    # -1: reaped already
        Time::HiRes::sleep(0.05);
    }
    kill 'KILL', $pid;
    waitpid $pid, 0;
    return 0;
}

END {
    my $rc = $?;
    stop_spawned($_) for keys %SPAWNED;
    $? = $rc;
}

# A standalone apache2 (not the Apache::Test server) with the module under
# test, in the foreground (its parent is the spawned process):
#   apache_standalone(dir => $dir, name => 'A', port => N,
#       modules => [extra module names], lines => [config lines],
#       docroot => "$dir/htdocs")
# The configuration is $dir/$name.conf; its error log $dir/$name.error_log
# (LogLevel notice h2push:debug unless lines say otherwise), its pid file
# $dir/run-$name/httpd.pid.  `apache2 -t` first.  Returns { ok, conf,
# port, error_log (the name relative to t/logs, for wait_log), pidfile,
# configtest => output of apache2 -t, rc => its exit status }.
sub apache_standalone {
    my %o = @_;
    my($dir, $name, $port) = @o{qw(dir name port)};
    my $mods = module_dir();
    my $docroot = $o{docroot} || "$dir/htdocs";
    mkdir "$dir/run-$name";
    file_put("$dir/mime.types", "# types come from AddType\n")
        unless -e "$dir/mime.types";
    my @user = $> == 0 ? ('User nobody', 'Group nogroup') : ();
    my @mods = ('mpm_event', 'authz_core', 'mime', 'headers', 'http2',
                @{ $o{modules} || [] });
    my %seen;
    @mods = grep { !$seen{$_}++ } @mods;
    my $conf = join "\n",
        "# generated by t/lib/H2PushTest.pm apache_standalone()",
        qq{ServerRoot "$dir"},
        qq{DefaultRuntimeDir "$dir/run-$name"},
        qq{PidFile "$dir/run-$name/httpd.pid"},
        qq{ErrorLog "$dir/$name.error_log"},
        'LogLevel notice h2push:debug',
        "Listen 127.0.0.1:$port",
        @user,
        (map { qq{LoadModule ${_}_module "$mods/mod_$_.so"} } @mods),
        qq{LoadModule h2push_module "} . module_so() . '"',
        qq{TypesConfig "$dir/mime.types"},
        'AddType text/css .css', 'AddType text/html .html',
        'AddType application/javascript .js',
        qq{DocumentRoot "$docroot"},
        qq{<Directory "$docroot">}, '    Require all granted', '</Directory>',
        '<Location /h2push-status>', '    SetHandler h2push-status', '</Location>',
        @{ $o{lines} || [] }, '';
    my $file = "$dir/$name.conf";
    file_put($file, $conf);
    my $srv = { conf => $file, port => $port, name => $name, dir => $dir,
                pidfile => "$dir/run-$name/httpd.pid",
                error_log => File::Spec->abs2rel("$dir/$name.error_log",
                                                 vars('t_logs')) };
    my($rc, $out, $err) = run_cmd(vars('httpd'), '-t', '-d', $dir, '-f', $file);
    $srv->{rc} = $rc;
    $srv->{configtest} = "$out$err";
    return $srv if $rc;
    my $pid = spawn($dir, "apache-$name", vars('httpd'), '-d', $dir, '-f',
                    $file, '-DFOREGROUND');
    $srv->{pid} = $pid;
    $srv->{ok} = wait_port($port, 15, $pid);
    return $srv;
}

# Graceful restart of a standalone apache2 (SIGUSR1 to the parent in its
# pid file), then wait (bounded, polling its error log after a mark) for
# the new generation: "resuming normal operations".  1 when it came.
sub graceful_restart {
    my($srv, $timeout) = @_;
    my $mark = log_mark($srv->{error_log});
    my $pid = file_content($srv->{pidfile}) // '';
    $pid =~ s/\s+//g;
    return 0 unless $pid =~ /^\d+$/ && kill 'USR1', $pid;
    my $t = wait_log($srv->{error_log}, $mark,
                     qr/resuming normal operations/, $timeout || 30);
    return $t =~ /resuming normal operations/ ? 1 : 0;
}

# One RESP command to a redis-server on 127.0.0.1:$port; the reply line.
sub redis_cmd {
    my($port, @args) = @_;
    require IO::Socket::INET;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp', Timeout => 5) or return undef;
    print $s '*' . @args . "\r\n" . join('', map { '$' . length($_) . "\r\n$_\r\n" } @args);
    my $line = <$s>;
    close $s;
    $line =~ s/\r?\n\z// if defined $line;
    return $line;
}

sub redis_dbsize {
    my $r = redis_cmd(shift, 'DBSIZE') // '';
    return $r =~ /^:(\d+)$/ ? $1 : "?($r)";
}

# t/backend103.py on logs/pol-backend.sock (the path t/conf/policy.conf.in
# proxies /pol/be/ to), answering as $o{spec} says ({ path => { interim =>
# [[header lines]...], headers => [...], body => '...' } }).  Returns
# { pid, socket, log (its request log), error }; the caller stops it with
# backend103_stop() (also done at exit).
my %backend_pids;
sub backend103_start {
    my %o = @_;
    require POSIX;
    my $logs = vars('t_logs');
    my $sock = File::Spec->catfile($logs, 'pol-backend.sock');
    my $spec = File::Spec->catfile($logs, 'pol-backend.json');
    my $rlog = File::Spec->catfile($logs, 'pol-backend.log');
    my $out  = File::Spec->catfile($logs, 'pol-backend.out');
    open my $fh, '>', $spec or return { error => "$spec: $!" };
    print $fh JSON::PP->new->canonical->encode($o{spec});
    close $fh;
    unlink $rlog;
    my $pid = fork;
    return { error => "fork: $!" } unless defined $pid;
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $out;
        open STDERR, '>&', \*STDOUT;
        my @cmd = ($PYTHON, File::Spec->catfile(vars('t_dir'), 'backend103.py'),
                   '--socket', $sock, '--spec', $spec, '--log', $rlog);
        exec { $cmd[0] } @cmd or POSIX::_exit(127);
    }
    $backend_pids{$pid} = 1;
    my $b = { pid => $pid, socket => $sock, log => $rlog, out => $out };
    $b->{error} = "backend did not listen on $sock: " . (file_content($out) // '')
        unless unix_socket_up($sock, 10, $pid);
    return $b;
}

sub backend103_stop {
    my $b = shift or return;
    my $pid = delete $b->{pid} or return;
    require POSIX;
    kill 'TERM', $pid;
    my $deadline = Time::HiRes::time() + 10;
    while (Time::HiRes::time() < $deadline) {
        my $w = waitpid($pid, POSIX::WNOHANG());
        last if $w == $pid || $w == -1;
        Time::HiRes::sleep(0.05);
    }
    if (kill 0, $pid) { kill 'KILL', $pid; waitpid $pid, 0 }
    delete $backend_pids{$pid};
}

END {
    for my $pid (keys %backend_pids) {
        kill 'TERM', $pid;
        waitpid $pid, 0;
    }
}

# A raw GET to the backend's Unix socket: the response as it sends it.
sub backend103_raw {
    my($b, $path) = @_;
    require IO::Socket::UNIX;
    my $s = IO::Socket::UNIX->new(Peer => $b->{socket},
                                  Type => Socket::SOCK_STREAM()) or return '';
    print $s "GET $path HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    local $/;
    my $r = <$s> // '';
    close $s;
    return $r;
}

# The key under which a page of $vhost is learned: the scheme of the
# connection, the vhost's ServerName (Apache::Test names each vhost
# "localhost:PORT"; $name for one the configuration renames, e.g.
# "victim.test"), the port (always written) and the path (+ "?query" with
# H2PushLearnQuery on).  Never the Host the client sent.
sub learn_key {
    my($vhost, $path, $name) = @_;
    return scheme_of($vhost) . '://' . ($name // 'localhost') . ':'
         . vhost_port($vhost) . $path;
}

1;
