package H2PushTest::Log;
# What `nghttp -nv` printed, parsed: every frame in order, each stream's
# request and response header blocks, the promises.  H2PushTest::Clients'
# nghttp() returns one (with {rc}, {err}, {cmd}, {paths} added).
#
#   {frames}   [ { index, dir => 'send'|'recv', type, length, flags,
#                  stream, promised, end_stream, status } ... ]  in order
#   {streams}  { id => { id, request => {name => value}, blocks => [
#                  [[name, value]...], ... ] (response header blocks, 1xx
#                  included), headers => final block, status, data => bytes,
#                  pushed => 0|1, parent, path, frames => [indexes] } }
#   {promises} [ { parent, promised, path, headers => {..}, index } ]
#
# Also exported: h2_blocks() (a stream's blocks of one status),
# promised_ok() and link_state() (assertions on a log).
use strict;
use warnings;

use Exporter 'import';
use H2PushTest::Common qw(split_link_values values_state);

our @EXPORT_OK = qw(h2_blocks promised_ok link_state);

#                  [[name, value]...], ... ] (response header blocks, 1xx
#                  included), headers => final block, status, data => bytes,
#                  pushed => 0|1, parent, path, frames => [indexes] } }
#   {promises} [ { parent, promised, path, headers => {..}, index } ]
use strict;
use warnings;

sub parse {
    my($class, $text) = @_;
    my $self = bless { raw => $text, frames => [], streams => {},
                       promises => [] }, $class;
    my %pending;     # stream id => [[name, value]...] not yet in a frame
    my $cur;         # last frame (for its indented detail lines)
    my $in_send_headers;
    for my $line (split /\n/, $text) {
        if ($line =~ /^\[\s*[\d.]+\] recv \(stream_id=(\d+)\) (:?[^:\s]+): ?(.*)$/) {
            push @{ $pending{$1} }, [lc $2, $3];
            $in_send_headers = undef;
            next;
        }
        if ($line =~ /^\[\s*[\d.]+\] (send|recv) (\w+) frame <length=(\d+), flags=0x([0-9a-fA-F]+), stream_id=(\d+)>/) {
            my $f = { index => scalar @{ $self->{frames} }, dir => $1,
                      type => $2, length => $3, flags => hex($4),
                      stream => $5 };
            push @{ $self->{frames} }, $f;
            $cur = $f;
            $in_send_headers = undef;
            my $sid = $f->{stream};
            if ($sid) {
                my $s = $self->stream($sid);
                push @{ $s->{frames} }, $f->{index};
            }
            if ($f->{dir} eq 'send' && $f->{type} eq 'HEADERS') {
                $in_send_headers = $self->stream($sid);
            }
            if ($f->{dir} eq 'recv' && $f->{type} eq 'HEADERS') {
                my $block = delete $pending{$sid} || [];
                my $s = $self->stream($sid);
                push @{ $s->{blocks} }, $block;
                my($st) = map { $_->[1] } grep { $_->[0] eq ':status' } @$block;
                $f->{status} = $st;
                if (defined $st && $st !~ /^1/) {
                    $s->{headers} = $block;
                    $s->{status} = $st;
                }
                $f->{end_stream} = $f->{flags} & 0x1;
            }
            elsif ($f->{dir} eq 'recv' && $f->{type} eq 'PUSH_PROMISE') {
                my $block = delete $pending{$sid} || [];
                my %h = map { ($_->[0] => $_->[1]) } @$block;
                my $p = { parent => $sid, path => $h{':path'},
                          headers => \%h, index => $f->{index},
                          promised => undef };
                push @{ $self->{promises} }, $p;
                $f->{promise} = $p;
            }
            elsif ($f->{dir} eq 'recv' && $f->{type} eq 'DATA') {
                $self->stream($sid)->{data} += $f->{length};
                $f->{end_stream} = $f->{flags} & 0x1;
            }
            next;
        }
        next unless $cur;
        if ($line =~ /promised_stream_id=(\d+)/ && $cur->{promise}) {
            my $p = $cur->{promise};
            $p->{promised} = $cur->{promised} = $1;
            my $ps = $self->stream($1);
            $ps->{pushed} = 1;
            $ps->{parent} = $p->{parent};
            $ps->{path}   = $p->{path};
            $ps->{request} = $p->{headers};
            next;
        }
        if ($in_send_headers && $line =~ /^\s+(:?[^:\s]+): ?(.*)$/) {
            $in_send_headers->{request}{lc $1} = $2;
            $in_send_headers->{path} //= $2 if lc $1 eq ':path';
            next;
        }
    }
    return $self;
}

sub stream {
    my($self, $sid) = @_;
    return $self->{streams}{$sid} ||= { id => $sid, frames => [], blocks => [],
                                        headers => [], data => 0, pushed => 0,
                                        request => {} };
}

sub ok { $_[0]->{rc} == 0 }
sub raw { $_[0]->{raw} }

# Short text for test diagnostics.
sub summary {
    my $self = shift;
    my @l = ("cmd: $self->{cmd}", "rc: $self->{rc}");
    for my $f (@{ $self->{frames} }) {
        next if $f->{dir} eq 'send' && $f->{type} ne 'HEADERS';
        my $s = "$f->{index}: $f->{dir} $f->{type} stream=$f->{stream}";
        $s .= " status=$f->{status}" if defined $f->{status};
        $s .= " promised=$f->{promised} path=" . ($f->{promise}{path} // '?')
            if $f->{promise};
        $s .= " len=$f->{length}" if $f->{type} eq 'DATA';
        push @l, $s;
    }
    for my $sid (sort { $a <=> $b } keys %{ $self->{streams} }) {
        my $st = $self->{streams}{$sid};
        push @l, "stream $sid: " . ($st->{path} // '') . " status="
            . ($st->{status} // '-') . " links=" . join(' | ', $self->links($sid));
    }
    push @l, "stderr: $self->{err}" if $self->{err};
    return join "\n", @l;
}

# Stream id of the (first) request for $path (exact :path).
sub sid_of {
    my($self, $path) = @_;
    for my $sid (sort { $a <=> $b } keys %{ $self->{streams} }) {
        my $s = $self->{streams}{$sid};
        return $sid if !$s->{pushed} && defined $s->{path} && $s->{path} eq $path;
    }
    return undef;
}

sub requested_sids {
    my $self = shift;
    return sort { $a <=> $b } grep { $_ % 2 && defined $self->{streams}{$_}{path} }
        keys %{ $self->{streams} };
}

sub status {
    my($self, $sid) = @_;
    return undef unless defined $sid && $self->{streams}{$sid};
    return $self->{streams}{$sid}{status};
}

# Final response header values of a stream (lower-case name).
sub header {
    my($self, $sid, $name) = @_;
    return () unless defined $sid && $self->{streams}{$sid};
    return map { $_->[1] } grep { $_->[0] eq lc $name }
        @{ $self->{streams}{$sid}{headers} };
}

# The `link` header lines of the final response.
sub link_headers { my($self, $sid) = @_; return $self->header($sid, 'link') }

# Every link-value of the final response (all Link lines, comma-split).
sub links {
    my($self, $sid) = @_;
    return map { split_link_values($_) } $self->link_headers($sid);
}

# The link-values whose target is exactly <$target>.
sub links_to {
    my($self, $sid, $target) = @_;
    return grep { /^<\Q$target\E>/ } $self->links($sid);
}

sub data_len {
    my($self, $sid) = @_;
    return $self->{streams}{$sid} ? $self->{streams}{$sid}{data} : 0;
}

# Promises, optionally only those on one parent stream.
sub promises {
    my($self, $parent) = @_;
    return grep { !defined $parent || $_->{parent} == $parent }
        @{ $self->{promises} };
}

# Sorted promised :paths (all, or on one parent stream).
sub promised_paths {
    my($self, $parent) = @_;
    return sort map { $_->{path} // '?' } $self->promises($parent);
}

# Pushed stream (hash) for a promised path.
sub pushed_stream {
    my($self, $path) = @_;
    for my $p (@{ $self->{promises} }) {
        next unless defined $p->{path} && $p->{path} eq $path;
        return $self->{streams}{$p->{promised}} if defined $p->{promised};
    }
    return undef;
}

# The frames matching all criteria, in order: dir, type, stream, status
# (of a HEADERS frame), path (of a PUSH_PROMISE).
sub frames {
    my($self, %c) = @_;
    my @f;
    FRAME: for my $f (@{ $self->{frames} }) {
        for my $k (qw(dir type stream status)) {
            next FRAME if defined $c{$k} && (!defined $f->{$k} || $f->{$k} ne $c{$k});
        }
        if (defined $c{path}) {
            next FRAME unless $f->{promise} && ($f->{promise}{path} // '') eq $c{path};
        }
        push @f, $f;
    }
    return @f;
}

# Index of the first frame matching frames(%c); undef when none.
sub frame_index {
    my($self, %c) = @_;
    my($f) = $self->frames(%c);
    return $f ? $f->{index} : undef;
}

sub count_frames { my($self, %c) = @_; return scalar(my @f = $self->frames(%c)) }

# ---------------------------------------------------------------------------
# Functions on a log (exported)

# The response header blocks of stream $sid whose :status is $status
# (e.g. 103), each as [[lcname, value]...].
sub h2_blocks {
    my($log, $sid, $status) = @_;
    return () unless defined $sid && $log->{streams}{$sid};
    return grep {
        my $b = $_;
        grep { $_->[0] eq ':status' && $_->[1] eq $status } @$b
    } @{ $log->{streams}{$sid}{blocks} };
}

# The sorted :paths promised on the stream that requested $parent_path are
# exactly @$want.
sub promised_ok {
    my($log, $parent_path, $want, $name) = @_;
    my $sid = $log->sid_of($parent_path);
    my @got = defined $sid ? $log->promised_paths($sid)
                           : ("<no stream for $parent_path>");
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    return Test::More::is_deeply(\@got, [sort @$want], $name)
        || Test::More::diag($log->summary);
}

# How the final response of stream $sid lists <$target> (values_state()).
sub link_state {
    my($log, $sid, $target) = @_;
    return values_state([$log->links_to($sid, $target)], $target);
}

1;
