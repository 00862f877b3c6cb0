#!/bin/sh
# Install the Debian packages the benchmarks need, only those missing (a
# second run costs nothing): the peers (nginx 1.22, h2o 2.2.5), the clients
# (nghttp, h2load, Chromium), valgrind, and what builds the module; for
# bench/channel.py nginx's nchan module and Node.js (the client).
# nginx and h2o are installed but never started as services: when no
# /usr/sbin/policy-rc.d exists, one that denies service starts is put there
# for the duration of apt-get (their packages would otherwise start a
# server on port 80) and removed afterwards.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
prc=/usr/sbin/policy-rc.d
if [ ! -e $prc ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee $prc >/dev/null
    $SUDO chmod 755 $prc
    trap '$SUDO rm -f $prc' EXIT INT TERM
fi
sh "$top/t/deps.sh" nginx h2o chromium valgrind python3 \
    libnginx-mod-nchan nodejs
