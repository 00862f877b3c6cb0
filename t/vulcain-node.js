// Node.js's http2 client (t/50_vulcain.t): one GET with the headers given,
// pushes accepted; prints JSON: the response's status, headers and body,
// and every pushed stream (path, status, body), once all have ended.
//   node t/vulcain-node.js PORT PATH ['name: value'...]
'use strict';
const http2 = require('http2');

const [port, path, ...hdrs] = process.argv.slice(2);
const out = { pushes: [] };
const session = http2.connect(`http://127.0.0.1:${port}`,
                              { settings: { enablePush: true } });
let open = 1;
const done = () => {
    if (--open === 0) {
        session.close();
        process.stdout.write(JSON.stringify(out) + '\n');
    }
};
const timer = setTimeout(() => { out.error = 'timeout'; open = 1; done(); },
                         10000);
timer.unref();
session.on('error', (e) => { out.error = String(e); open = 1; done(); });
session.on('stream', (stream, reqHeaders) => {
    const p = { path: reqHeaders[':path'], body: '' };
    out.pushes.push(p);
    open++;
    stream.on('push', (h) => { p.status = h[':status']; });
    stream.setEncoding('utf8');
    stream.on('data', (d) => { p.body += d; });
    stream.on('end', done);
});
const headers = { ':path': path };
for (const h of hdrs) {
    const i = h.indexOf(':');
    headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
}
const req = session.request(headers);
out.body = '';
req.setEncoding('utf8');
req.on('response', (h) => { out.status = h[':status']; out.headers = h; });
req.on('data', (d) => { out.body += d; });
req.on('end', done);
req.end();
