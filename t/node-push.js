#!/usr/bin/node
// Node.js http2 client for t/39_channel.t: GET one path over cleartext h2
// (prior knowledge) with push enabled; every pushed stream's path, status
// and body, then the request's own final status, as JSON lines in the
// order they ended:
//   {"type":"push","path":"/x","status":200,"body":"..."}
//   {"type":"final","status":204,"informational":n}
// Exits when the request's stream and every pushed stream have ended, or
// after --timeout seconds (exit 1).
//   node t/node-push.js PORT PATH [TIMEOUT]
'use strict';
const http2 = require('http2');

const [port, path, timeout] = [process.argv[2], process.argv[3],
                               parseFloat(process.argv[4] || '20')];
const session = http2.connect(`http://127.0.0.1:${port}`,
                              { settings: { enablePush: true } });
let open = 1;
const done = () => { if (--open === 0) { session.close(); } };
const timer = setTimeout(() => {
    console.log(JSON.stringify({ type: 'error', error: 'timeout' }));
    process.exit(1);
}, timeout * 1000);
session.on('error', (e) => {
    console.log(JSON.stringify({ type: 'error', error: String(e) }));
    process.exit(1);
});
session.on('stream', (pushed, headers) => {
    open++;
    const out = { type: 'push', path: headers[':path'], status: null,
                  body: '' };
    pushed.setEncoding('utf8');
    pushed.on('push', (h) => { out.status = h[':status']; });
    pushed.on('data', (d) => { out.body += d; });
    pushed.on('end', () => { console.log(JSON.stringify(out)); done(); });
    pushed.on('error', () => done());
});
const req = session.request({ ':path': path });
let informational = 0;
req.on('headers', () => { informational++; });
req.on('response', (h) => {
    req.on('end', () => {
        console.log(JSON.stringify({ type: 'final', status: h[':status'],
                                     informational }));
        done();
    });
});
req.resume();
req.end();
session.on('close', () => { clearTimeout(timer); process.exit(0); });
