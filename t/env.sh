# Sourced by t/run-suite.sh and t/asan.sh (which define fail()): the one
# place that finds the httpd the suite runs against.
#   APXS    apxs (from the environment, else on PATH), absolute; exported,
#           so the test library and t/config-fuzz.pl ask the same one
#   HTTPD   apxs's SBINDIR/TARGET, else apache2 on PATH
#   MODDIR  apxs -q LIBEXECDIR: httpd's modules
APXS=${APXS:-apxs}
command -v "$APXS" >/dev/null 2>&1 || fail "apxs not found (apt-get install apache2-dev)"
APXS=$(command -v "$APXS")
export APXS
HTTPD=$("$APXS" -q SBINDIR 2>/dev/null)/$("$APXS" -q TARGET 2>/dev/null)
[ -x "$HTTPD" ] || HTTPD=$(command -v apache2 2>/dev/null || true)
if [ -z "$HTTPD" ] || [ ! -x "$HTTPD" ]; then
    fail "apache2 binary not found (apt-get install apache2)"
fi
MODDIR=$("$APXS" -q LIBEXECDIR 2>/dev/null)
[ -n "$MODDIR" ] && [ -d "$MODDIR" ] || fail "apxs -q LIBEXECDIR gives no directory ($MODDIR)"
