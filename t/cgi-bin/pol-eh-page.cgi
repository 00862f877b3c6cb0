#!/usr/bin/perl
# The slow page of t/37_policy_chromium.t: sleeps one second (a slow
# application), then answers with HTML that loads one module script,
# /pol/eh/m.js (<script type="module">: fetched in CORS mode).  The
# PATH_INFO only names the case (/cgi-bin/pol-eh-page.cgi/<case>), so each
# case has its own <Location> (its own hint source) in
# t/conf/policy.conf.in.  Like cgi-bin/eh-page.cgi, the load handler
# writes the navigation and resource timing entries as JSON into
# <pre id="result">, where Chromium's --dump-dom finds it.
use strict;
use warnings;

sleep 1;

print "Content-Type: text/html; charset=utf-8\r\n\r\n";
print <<'HTML';
<!doctype html>
<html><head><meta charset="utf-8"><title>modulepreload</title>
<script type="module" src="/pol/eh/m.js"></script>
</head>
<body>
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
    out.cssApplied = '';
    out.scriptRan = !!window.ehModuleRan;
  } catch (err) {
    out.error = String(err);
  }
  document.getElementById('result').textContent = JSON.stringify(out);
});
</script>
</body></html>
HTML
