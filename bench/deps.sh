#!/bin/sh
# Install the Debian packages the benchmarks need, only those missing (a
# second run costs nothing): the peers (nginx 1.22, h2o 2.2.5), the clients
# (nghttp, h2load, Chromium), valgrind, and what builds the module.
# nginx and h2o are installed but never started as services: when no
# /usr/sbin/policy-rc.d exists, one that denies service starts is put there
# for the duration of apt-get (their packages would otherwise start a
# server on port 80) and removed afterwards.
set -e
PKGS="apache2 apache2-dev nghttp2-client nginx h2o chromium valgrind
      python3 openssl gcc make"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
        || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "bench/deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
prc=/usr/sbin/policy-rc.d
made=""
if [ ! -e $prc ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee $prc >/dev/null
    $SUDO chmod 755 $prc
    made=1
    trap '$SUDO rm -f $prc' EXIT INT TERM
fi
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends $missing
