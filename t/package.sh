#!/bin/sh
# The Debian package, as an administrator meets it, on this machine's own
# apache2 (/etc/apache2):
#   build libapache2-mod-h2push_<version>_<arch>.deb (make deb), check its
#   contents, control fields, maintainer scripts and lintian (no errors);
#   install it with apt-get (module enabled the Debian way, configtest);
#   edit the installed h2push.conf; build a second package with a higher
#   version and a changed h2push.conf and upgrade over the edit (the edit
#   stays, the packaged file goes beside it as .dpkg-dist); apt-get remove
#   (disabled, configuration kept); apt-get purge (configuration gone);
#   `apache2ctl configtest` after each step.
# It leaves the machine as it found it, also when a check fails or it is
# interrupted: the package purged, the modules it enabled (http2,
# socache_shmcb) disabled again if they were not enabled before, the state
# a2enmod keeps in /var/lib/apache2 as it was, the machine's apache2 neither
# started nor stopped (maintainer scripts restart apache2 through
# invoke-rc.d: a policy-rc.d that denies it is put in place for the run if
# there is none).  Needs root; refuses to run (fails) when the package or
# an h2push.{load,conf} of `make install` is already there.
# Last line: "package: N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

PKG=libapache2-mod-h2push
AVAIL=/etc/apache2/mods-available
ENABLED=/etc/apache2/mods-enabled
STATE=/var/lib/apache2
POLICY=/usr/sbin/policy-rc.d
export DEBIAN_FRONTEND=noninteractive
APT="apt-get -y -q --no-install-recommends -o DPkg::Lock::Timeout=300"

pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok - $*"; }
nok() { fail=$((fail + 1)); echo "not ok - $*"; }
check() { # check "description" command...
    d=$1; shift
    if "$@" >/dev/null 2>&1; then ok "$d"; else nok "$d"; fi
}
die() {
    echo "t/package.sh: $*" >&2
    echo "package: $pass passed, $((fail + 1)) failed"
    exit 1
}

[ "$(id -u)" = 0 ] || die "needs root (apt-get install of the package)"
for c in dpkg-buildpackage dh_apache2 lintian apache2ctl a2dismod; do
    command -v $c >/dev/null 2>&1 || die "$c missing (sh t/deps.sh)"
done
if dpkg-query -W -f='${Status}' $PKG 2>/dev/null | grep -q 'installed\|config-files'; then
    die "$PKG is installed on this machine: the test would replace it (apt-get purge $PKG first)"
fi
for f in h2push.load h2push.conf; do
    [ -e $AVAIL/$f ] && die "$AVAIL/$f exists (make install?): the test would take it over (make -f Makefile.apxs uninstall first)"
done
apache2ctl configtest >/dev/null 2>&1 \
    || die "apache2ctl configtest fails before the test: fix /etc/apache2 first"

# --- what to put back ------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/h2push-package.XXXXXX") || die "mktemp"
snapshot() {
    { ls $ENABLED; find $STATE -print; } 2>/dev/null | LC_ALL=C sort
}
snapshot > "$tmp/before"
mods_before=$(ls $ENABLED)
pidfile=$(. /etc/apache2/envvars 2>/dev/null; echo "${APACHE_PID_FILE:-/var/run/apache2/apache2.pid}")
running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
running && was_running=1 || was_running=0
own_policy=0
if [ ! -e $POLICY ]; then
    printf '#!/bin/sh\n# t/package.sh: no service (re)starts during the test\nexit 101\n' > $POLICY
    chmod 755 $POLICY
    own_policy=1
fi

cleanup() {
    trap - EXIT INT TERM
    if dpkg-query -W -f='${Status}' $PKG 2>/dev/null | grep -q 'installed\|config-files\|half'; then
        $APT purge $PKG >> "$tmp/apt.log" 2>&1 || echo "t/package.sh: purge in cleanup failed (see $tmp/apt.log)" >&2
    fi
    # modules the package's a2enmod enabled as dependencies
    for m in $(ls $ENABLED 2>/dev/null | sed -n 's/\.load$//p'); do
        echo "$mods_before" | grep -qx "$m.load" || a2dismod -m -p -q "$m" >/dev/null 2>&1
    done
    # directories a2enmod/a2dismod made for their state
    for d in $(find $STATE -mindepth 1 -type d -empty 2>/dev/null); do
        grep -qx "$d" "$tmp/before" || rmdir "$d" 2>/dev/null
    done
    [ $own_policy = 1 ] && rm -f $POLICY
    if [ $was_running = 0 ] && running; then
        echo "t/package.sh: the machine's apache2 got started: stopping it" >&2
        apache2ctl stop >/dev/null 2>&1
    fi
    if [ -n "${final_check:-}" ]; then
        if snapshot | diff "$tmp/before" - > "$tmp/residue"; then
            ok "the machine as found: mods-enabled and $STATE unchanged"
        else
            nok "the machine as found: residue:"; cat "$tmp/residue"
        fi
        check "the machine's apache2 configtest passes after the test" apache2ctl configtest
        if [ $was_running = 0 ]; then
            check "the machine's apache2 is not running (it was not before)" sh -c "! { [ -f '$pidfile' ] && kill -0 \$(cat '$pidfile'); }"
        fi
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

configtest() { # configtest "after what"
    if apache2ctl configtest > "$tmp/configtest" 2>&1; then
        ok "apache2ctl configtest after $1"
    else
        nok "apache2ctl configtest after $1"; cat "$tmp/configtest"
    fi
}

V=$(make -s -f Makefile.apxs version)
ARCH=$(dpkg --print-architecture)
DEB=${PKG}_${V}_$ARCH.deb
V2=$V+t2
DEB2=${PKG}_${V2}_$ARCH.deb

# --- build and inspect -------------------------------------------------------
rm -f "$DEB"
if make -s -f Makefile.apxs deb > "$tmp/build1" 2>&1 && [ -f "$DEB" ]; then
    ok "make deb built $DEB"
else
    cat "$tmp/build1"; nok "make deb built $DEB"
    exit 1
fi
dpkg-deb -c "$DEB" | awk '{print $NF}' | sed 's|^\./|/|' > "$tmp/contents"
for f in /usr/lib/apache2/modules/mod_h2push.so $AVAIL/h2push.load \
         $AVAIL/h2push.conf /usr/share/doc/$PKG/copyright \
         /usr/share/doc/$PKG/changelog.gz /usr/share/doc/$PKG/README.md.gz; do
    check "the package has $f" grep -qx "$f" "$tmp/contents"
done
check "no other file (only those and their directories)" \
    sh -c "! grep -v '/\$' '$tmp/contents' | grep -vx -e /usr/lib/apache2/modules/mod_h2push.so -e $AVAIL/h2push.load -e $AVAIL/h2push.conf -e /usr/share/doc/$PKG/copyright -e /usr/share/doc/$PKG/changelog.gz -e /usr/share/doc/$PKG/README.md.gz"
check "Version: $V (src/h2p_version.h)" test "$(dpkg-deb -f "$DEB" Version)" = "$V"
check "Package: $PKG, Section: httpd" \
    test "$(dpkg-deb -f "$DEB" Package Section | tr '\n' ' ')" = "Package: $PKG Section: httpd "
check "Depends on the Apache module API (dh_apache2)" \
    sh -c "dpkg-deb -f '$DEB' Depends | grep -q 'apache2-api-[0-9]'"
mkdir -p "$tmp/ctrl" "$tmp/root"
dpkg-deb -e "$DEB" "$tmp/ctrl"
dpkg-deb -x "$DEB" "$tmp/root"
check "conffiles: h2push.load and h2push.conf" \
    test "$(sort "$tmp/ctrl/conffiles" | tr '\n' ' ')" = "$AVAIL/h2push.conf $AVAIL/h2push.load "
check "postinst enables with apache2_invoke enmod h2push" grep -q 'apache2_invoke enmod' "$tmp/ctrl/postinst"
check "prerm and postrm disable with apache2_invoke dismod" \
    sh -c "grep -q 'apache2_invoke dismod' '$tmp/ctrl/prerm' && grep -q 'apache2_invoke dismod' '$tmp/ctrl/postrm'"
check "the .so says mod_h2push/$V" grep -q "mod_h2push/$V" "$tmp/root/usr/lib/apache2/modules/mod_h2push.so"
check "the packaged h2push.load and h2push.conf are conf/'s" \
    sh -c "cmp conf/h2push.load '$tmp/root$AVAIL/h2push.load' && cmp conf/h2push.conf '$tmp/root$AVAIL/h2push.conf'"

lintian --fail-on error "$DEB" > "$tmp/lintian" 2>&1
lrc=$?
sed 's/^/    lintian: /' "$tmp/lintian" | grep -v 'running with root privileges'
check "lintian: no error (exit status $lrc)" test $lrc = 0
echo "    lintian: $(grep -c '^E:' "$tmp/lintian") errors, $(grep -c '^W:' "$tmp/lintian") warnings"

# --- install -------------------------------------------------------------
if $APT install "./$DEB" > "$tmp/apt.log" 2>&1; then
    ok "apt-get install ./$DEB"
else
    cat "$tmp/apt.log"; nok "apt-get install ./$DEB"
fi
check "dpkg: $PKG $V installed" test "$(dpkg-query -W -f='${Status} ${Version}' $PKG 2>/dev/null)" = "install ok installed $V"
check "enabled: mods-enabled/h2push.load and h2push.conf" \
    sh -c "[ -L $ENABLED/h2push.load ] && [ -L $ENABLED/h2push.conf ]"
check "enabled the Debian way (a2query -m h2push)" a2query -q -m h2push
check "its dependencies enabled (http2, socache_shmcb)" \
    sh -c "a2query -q -m http2 && a2query -q -m socache_shmcb"
configtest "install"
check "apache2ctl -M lists h2push_module" sh -c "apache2ctl -M 2>/dev/null | grep -q 'h2push_module (shared)'"

# --- edit, then upgrade over the edit ---------------------------------------
printf '\n# local edit (t/package.sh)\nH2PushMax 7\n' >> $AVAIL/h2push.conf
configtest "editing h2push.conf"

mkdir -p "$tmp/v2/t"
tar cf - Makefile.apxs mod_h2push.c src conf/h2push.load conf/h2push.conf \
    debian README.md CHANGES.md LICENSE t/deps.sh | tar xf - -C "$tmp/v2"
sed -i "s/^#define MOD_H2PUSH_VERSION .*/#define MOD_H2PUSH_VERSION \"$V2\"/" "$tmp/v2/src/h2p_version.h"
echo "# a line of the second package (t/package.sh)" >> "$tmp/v2/conf/h2push.conf"
if (cd "$tmp/v2" && make -s -f Makefile.apxs deb) > "$tmp/build2" 2>&1; then
    nok "make deb refuses a version debian/changelog does not have"
else
    check "make deb refuses a version debian/changelog does not have" \
        grep -q "add a debian/changelog entry for $V2" "$tmp/build2"
fi
{
    printf '%s (%s) unstable; urgency=medium\n\n  * Test build (t/package.sh).\n\n -- %s  %s\n\n' \
        $PKG "$V2" "$(dpkg-parsechangelog -l debian/changelog -SMaintainer)" \
        "$(date -R)"
    cat debian/changelog
} > "$tmp/v2/debian/changelog"
if (cd "$tmp/v2" && make -s -f Makefile.apxs deb) > "$tmp/build2" 2>&1 \
   && [ -f "$tmp/v2/$DEB2" ]; then
    ok "second package $DEB2 built"
else
    cat "$tmp/build2"; nok "second package $DEB2 built"
fi
if $APT -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        install "$tmp/v2/$DEB2" > "$tmp/apt.log" 2>&1; then
    ok "apt-get install (upgrade) $DEB2"
else
    cat "$tmp/apt.log"; nok "apt-get install (upgrade) $DEB2"
fi
check "dpkg: $PKG $V2 installed" test "$(dpkg-query -W -f='${Version}' $PKG 2>/dev/null)" = "$V2"
check "the upgraded .so says mod_h2push/$V2" grep -q "mod_h2push/$V2" /usr/lib/apache2/modules/mod_h2push.so
check "the edit of h2push.conf survived the upgrade (conffile)" grep -q '^# local edit (t/package.sh)' $AVAIL/h2push.conf
check "the new packaged h2push.conf is beside it as h2push.conf.dpkg-dist" \
    grep -q '^# a line of the second package' $AVAIL/h2push.conf.dpkg-dist
check "still enabled after the upgrade" a2query -q -m h2push
configtest "the upgrade"

# --- remove, purge ---------------------------------------------------------
if $APT remove $PKG > "$tmp/apt.log" 2>&1; then ok "apt-get remove"; else cat "$tmp/apt.log"; nok "apt-get remove"; fi
check "removed: disabled (no mods-enabled/h2push.*)" \
    sh -c "[ ! -e $ENABLED/h2push.load ] && [ ! -e $ENABLED/h2push.conf ]"
check "removed: the module is gone" test ! -e /usr/lib/apache2/modules/mod_h2push.so
check "removed: the (edited) configuration is kept" grep -q '^# local edit' $AVAIL/h2push.conf
configtest "apt-get remove"
if $APT purge $PKG > "$tmp/apt.log" 2>&1; then ok "apt-get purge"; else cat "$tmp/apt.log"; nok "apt-get purge"; fi
check "purged: dpkg knows nothing of $PKG" \
    sh -c "! dpkg-query -W -f='\${Status}' $PKG 2>/dev/null | grep -q 'installed\|config-files'"
check "purged: no $AVAIL/h2push.* left" sh -c "! ls $AVAIL | grep -q '^h2push\.'"
check "purged: no a2enmod state of h2push left" sh -c "! find $STATE -name h2push | grep -q ."
configtest "apt-get purge"

final_check=1
cleanup
echo "package: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
