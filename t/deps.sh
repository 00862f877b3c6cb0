#!/bin/sh
# Install the Debian packages the build and the test suite need, and any
# named as arguments (bench/deps.sh adds the peers), only those missing (so
# a second run costs nothing).
#   t/deps.sh --only PKG...   just those (make demo, make deb)
set -e
if [ "${1:-}" = --only ]; then
    shift
    PKGS="$*"
else
PKGS="apache2 apache2-dev libapache2-mod-perl2 nghttp2-client python3-h2
      curl perl make gcc openssl chromium redis-server nodejs
      clang libclang-rt-14-dev libjansson-dev"
# t/asan.sh: gcc's ASan and UBSan runtimes (gcc pulls them in already;
# named so the dependency is explicit).  h2load (t/soak.sh) comes with
# nghttp2-client, readelf/nm (t/asan.sh) with binutils (gcc's dependency).
# libjemalloc2: t/soak.sh runs apache2 on it (see there why).
# t/package.sh: the package built with debhelper (dh_apache2 comes with
# apache2-dev), checked with lintian, installed with apt-get.
PKGS="$PKGS libasan8 libubsan1 binutils libjemalloc2
      debhelper dpkg-dev fakeroot lintian $*"
fi
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
        || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "t/deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends $missing
