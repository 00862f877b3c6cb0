#!/usr/bin/node
// Licensed under the Apache License, Version 2.0
//
// A TEST DOUBLE of the push-channel contract (issue #13), for developing
// bench/channel_client.js only: never used for a reported number.
//
//   node bench/channel_stub.js PORT
//
// Cleartext: h2c (prior knowledge) on PORT, HTTP/1.1 on PORT + 1 (Node's
// http2 server cannot share a cleartext port with HTTP/1.1: the client
// takes --h1-port PORT+1):
//   POST /updates/publish  topic=..&data=..  -> 201 {"id":"<n>"}
//   GET /updates?topic=T, Accept: text/event-stream -> SSE (id:, event:, data:)
//   GET /updates?topic=T over h2 otherwise -> held: per event a 103 with
//     Link: </updates/events/<id>>; rel=preload, and a push of that path
//     whose body is the data.
'use strict';
const http = require('http');
const http2 = require('http2');
const { URL } = require('url');

const subs = new Set();        // {topic, send(id, topic, data)}
let nextId = 0;

function publish(form, res) {
  const q = new URLSearchParams(form);
  const id = String(++nextId);
  const topic = q.get('topic'), data = q.get('data') || '';
  for (const s of subs) if (s.topic === topic) s.send(id, topic, data);
  const body = JSON.stringify({ id });
  res.writeHead(201, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

function sse(req, res, topic) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(': subscribed\n\n');
  const s = { topic, send: (id, t, d) => res.write(`id: ${id}\nevent: ${t}\ndata: ${d}\n\n`) };
  subs.add(s);
  res.on('close', () => subs.delete(s));
}

function h1(req, res) {
  const u = new URL(req.url, 'http://x');
  if (req.method === 'POST' && u.pathname === '/updates/publish') {
    let b = '';
    req.on('data', (c) => { b += c; });
    req.on('end', () => publish(b, res));
  } else if (u.pathname === '/updates' && /text\/event-stream/.test(req.headers.accept || '')) {
    sse(req, res, u.searchParams.get('topic'));
  } else {
    res.writeHead(404); res.end();
  }
}

const h1srv = http.createServer(h1);
const h2srv = http2.createServer();
h2srv.on('stream', (stream, headers) => {
  const u = new URL(headers[':path'], 'http://x');
  if (u.pathname !== '/updates' || /text\/event-stream/.test(headers.accept || '')) {
    stream.respond({ ':status': 404 }); stream.end(); return;
  }
  const topic = u.searchParams.get('topic');
  const s = {
    topic,
    send: (id, t, d) => {
      if (stream.destroyed) return;
      const path = '/updates/events/' + id;
      stream.additionalHeaders({ ':status': 103, link: `<${path}>; rel=preload` });
      stream.pushStream({ ':path': path }, (err, ps) => {
        if (err) return;
        ps.respond({ ':status': 200, 'content-type': 'text/plain' });
        ps.end(d);
      });
    },
  };
  subs.add(s);
  stream.on('close', () => subs.delete(s));
});

h2srv.listen(Number(process.argv[2]), '127.0.0.1');
h1srv.listen(Number(process.argv[2]) + 1, '127.0.0.1');
