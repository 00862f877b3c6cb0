#!/usr/bin/perl
# The slow page of t/20_chromium.t: sleeps one second (a slow application)
# and then answers with HTML that links stylesheets and scripts normally.
# What it links: the query's r= parameters (url-paths ending in .css or
# .js), default /eh/a.css and /eh/b.js.  The PATH_INFO only names the case
# (/cgi-bin/eh-page.cgi/<case>), so each case can have its own <Location>
# (its own hint source) in t/conf/extra.conf.in.
#
# The load handler writes, synchronously, the JSON of the navigation entry
# and of the resource entries into <pre id="result">, where Chromium's
# --dump-dom finds it.
use strict;
use warnings;

my @res;
for my $kv (split /[&;]/, $ENV{QUERY_STRING} // '') {
    my($k, $v) = split /=/, $kv, 2;
    next unless defined $v && $k eq 'r';
    $v =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
    push @res, $v if $v =~ m{^/[A-Za-z0-9/._-]+\.(?:css|js)$};
}
@res = ('/eh/a.css', '/eh/b.js') unless @res;

sleep 1;

my $links = join '', map {
    /\.css$/ ? qq{<link rel="stylesheet" href="$_">\n}
             : qq{<script src="$_"></script>\n}
} @res;

print "Content-Type: text/html; charset=utf-8\r\n\r\n";
print <<"HTML";
<!doctype html>
<html><head><meta charset="utf-8"><title>early hints</title>
$links</head>
<body>
<div id="eh-css"></div>
<pre id="result">pending</pre>
<script>
window.addEventListener('load', function () {
  var out = {};
  try {
    var n = performance.getEntriesByType('navigation')[0] || {};
    out.navigation = {
      name: n.name,
      nextHopProtocol: n.nextHopProtocol,
      requestStart: n.requestStart,
      firstInterimResponseStart: n.firstInterimResponseStart,
      finalResponseHeadersStart: n.finalResponseHeadersStart,
      responseStart: n.responseStart,
      responseEnd: n.responseEnd
    };
    out.resources = performance.getEntriesByType('resource').map(function (e) {
      return { name: e.name, initiatorType: e.initiatorType,
               transferSize: e.transferSize, startTime: e.startTime,
               responseEnd: e.responseEnd, nextHopProtocol: e.nextHopProtocol };
    });
    out.cssApplied = getComputedStyle(document.getElementById('eh-css')).width;
    out.scriptRan = !!window.ehScriptRan;
  } catch (err) {
    out.error = String(err);
  }
  document.getElementById('result').textContent = JSON.stringify(out);
});
</script>
</body></html>
HTML
