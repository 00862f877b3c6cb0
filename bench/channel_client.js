#!/usr/bin/node
// Licensed under the Apache License, Version 2.0
//
// The push-channel fan-out client of bench/channel.py (issue #13).
// Node.js standard library only (http, http2, child_process).
//
//   node bench/channel_client.js --mode h2push|nchan --port P
//        [--host 127.0.0.1] [--push N] [--sse M] [--events E]
//        [--interval MS] [--timeout S] [--procs K] [--topic news]
//        [--push-per-conn 1] [--payload BYTES] [--path /updates]
//        [--h1-port P] (HTTP/1.1 SSE and publishing; default --port)
//        [--hold] (for bench/channel.py: prints {"phase":"subscribed"} once
//        all are subscribed and {"phase":"events"} after the last event, each
//        on its own line, and waits for a line on stdin each time, so that
//        the servers' memory and threads are read with everyone connected)
//
// Subscribers
//   push (h2push mode only): an h2c session (prior knowledge, cleartext)
//     with SETTINGS_ENABLE_PUSH=1 and, by default, ONE subscriber per
//     connection (--push-per-conn raises it), each `GET /updates?topic=T`
//     held open. An event arrives as a 103 (counted) and a PUSH_PROMISE for
//     /updates/events/<id>; it is delivered when the pushed stream's body
//     has ended (the body is the event's data).
//   SSE: HTTP/1.1, one connection each, `Accept: text/event-stream`
//     (h2push: GET /updates?topic=T; nchan: GET /sub?id=T); delivered
//     when the `data:` line of the event has been parsed.
// Ready: a subscriber counts as subscribed once it got a warm-up event:
//   the publisher posts one every 500 ms until every subscriber has had
//   at least one (a held push stream gets no headers before its first
//   event, so nothing else tells it is in place).
// Events: E events, the payload "<seq> <t>" padded to --payload bytes,
//   t = the publish time (process.hrtime, CLOCK_MONOTONIC: the same clock
//   in every process of this machine). Pacing: event k+1 is published
//   --interval ms after event k was, or when every subscriber has event k
//   (or --timeout s have passed), whichever is LATER: events never
//   overlap, so the latency is one event's fan-out, not a queue.
// Latency: receive time - publish time (just before the POST is written),
//   per (subscriber, event). The subscribers live in --procs child
//   processes (default 1) so that the publisher's clock reading is not
//   delayed by the subscribers' work; this process only publishes.
// Output (stdout): one JSON object: p50/p99/max/mean in ms, overall and per
//   kind, delivered, missing (expected - delivered), duplicates, errors.
'use strict';
const http = require('http');
const http2 = require('http2');
const { fork } = require('child_process');

function now() { return Number(process.hrtime.bigint()) / 1e6; }

function parseArgs(argv) {
  const a = {
    mode: 'h2push', host: '127.0.0.1', port: 0, push: 0, sse: 0, events: 100,
    interval: 20, timeout: 10, procs: 1, topic: 'news', pushPerConn: 1,
    payload: 64, path: '/updates', h1Port: 0, hold: false, child: false,
  };
  for (let i = 2; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '').replace(/-(.)/g, (_, c) => c.toUpperCase());
    if (!(k in a)) throw new Error('unknown option ' + argv[i]);
    if (typeof a[k] === 'boolean') { a[k] = true; continue; }
    const v = argv[++i];
    a[k] = typeof a[k] === 'number' ? Number(v) : v;
  }
  if (!a.h1Port) a.h1Port = a.port;
  if (a.mode === 'nchan' && a.push) throw new Error('nchan cannot push: --push 0');
  return a;
}

// ---------------------------------------------------------------------------
// a subscriber process: holds its share of subscribers, records latencies

function child() {
  let cfg = null;
  const subs = [];          // {kind, got: Set of seqs, warm}
  const lat = { push: [], sse: [] }, errors = [];
  let dup = 0, closed = 0, interim = 0, warmed = 0;
  let want = -1, have = 0;  // the measured event the parent waits for
  const sessions = [];

  function report(e) { if (errors.length < 20) errors.push(String(e)); }

  // s: the subscriber, or a group of them sharing a session (a push is
  // not tied to its held stream here: it goes to the first in the group
  // that lacks that event)
  function deliver(s, body) {
    const t = now();
    const sp = body.indexOf(' ');
    const seq = Number(body.slice(0, sp));
    const sent = parseFloat(body.slice(sp + 1));
    if (Array.isArray(s)) {
      s = seq < 0 ? (s.find((x) => !x.warm) || s[0])
        : (s.find((x) => !x.got.has(seq)) || s[0]);
    }
    if (seq < 0) {                     // a warm-up event
      if (!s.warm) { s.warm = true; warmed++; process.send({ warmed }); }
      return;
    }
    if (s.got.has(seq)) { dup++; return; }
    s.got.add(seq);
    lat[s.kind].push(t - sent);
    if (seq === want && ++have === subs.length) process.send({ done: seq });
  }

  function sseParser(s) {
    let buf = '';
    return (chunk) => {
      buf += chunk.replace(/\r/g, '');
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const ev = buf.slice(0, i);
        buf = buf.slice(i + 2);
        let data = null;
        for (const line of ev.split('\n')) {
          if (line.startsWith('data:')) {
            const d = line.slice(5).replace(/^ /, '');
            data = data === null ? d : data + '\n' + d;
          }
        }
        if (data !== null) deliver(s, data);
      }
    };
  }

  function openSSE(s) {
    const path = cfg.mode === 'nchan' ? '/sub?id=' + cfg.topic
      : cfg.path + '?topic=' + cfg.topic;
    const req = http.request({
      host: cfg.host, port: cfg.h1Port, path, agent: false,
      headers: { Accept: 'text/event-stream' },
    }, (res) => {
      if (res.statusCode !== 200) report('SSE status ' + res.statusCode);
      res.setEncoding('utf8');
      res.on('data', sseParser(s));
      res.on('end', () => { closed++; });
      res.on('error', report);
    });
    req.on('error', report);
    req.end();
  }

  function openPushSession(group) {
    const sess = http2.connect('http://' + cfg.host + ':' + cfg.port, {
      settings: { enablePush: true },
      maxReservedRemoteStreams: 200,
    });
    sessions.push(sess);
    sess.on('error', report);
    // pushed streams: the body is the event's data
    sess.on('stream', (ps) => {
      let body = '';
      ps.setEncoding('utf8');
      ps.on('data', (c) => { body += c; });
      ps.on('end', () => { deliver(group.length === 1 ? group[0] : group, body); });
      ps.on('error', report);
    });
    for (const s of group) {
      const req = sess.request({ ':path': cfg.path + '?topic=' + cfg.topic });
      req.on('headers', (h) => { if (h[':status'] === 103) interim++; });
      req.on('response', (h) => { report('held stream answered ' + h[':status']); });
      req.on('error', report);
      req.on('close', () => { closed++; });   // a held stream ended
      req.end();
    }
  }

  process.on('message', (m) => {
    if (m.cfg) {
      cfg = m.cfg;
      for (let i = 0; i < m.push; i++) subs.push({ kind: 'push', got: new Set() });
      for (let i = 0; i < m.sse; i++) subs.push({ kind: 'sse', got: new Set() });
      const push = subs.filter((s) => s.kind === 'push');
      for (let i = 0; i < push.length; i += cfg.pushPerConn)
        openPushSession(push.slice(i, i + cfg.pushPerConn));
      for (const s of subs) if (s.kind === 'sse') openSSE(s);
      process.send({ opened: subs.length });
    } else if (m.want !== undefined) {
      want = m.want;
      have = subs.filter((s) => s.got.has(want)).length;
      if (have === subs.length) process.send({ done: want });
    } else if (m.finish) {
      const missing = { push: 0, sse: 0 };
      for (const s of subs) missing[s.kind] += m.finish - s.got.size;
      process.send({
        result: {
          push: Float64Array.from(lat.push), sse: Float64Array.from(lat.sse),
          missing, dup, errors, closed, interim,
        },
      }, () => {
        for (const sess of sessions) sess.destroy();
        process.exit(0);
      });
    }
  });
}

// ---------------------------------------------------------------------------
// the publisher and the report

function pct(sorted, p) {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1));
  return +sorted[i].toFixed(3);
}

function summary(xs) {
  const s = Float64Array.from(xs).sort();
  let sum = 0;
  for (const x of s) sum += x;
  return {
    n: s.length, p50: pct(s, 50), p90: pct(s, 90), p99: pct(s, 99),
    max: s.length ? +s[s.length - 1].toFixed(3) : null,
    mean: s.length ? +(sum / s.length).toFixed(3) : null,
  };
}

function main() {
  const cfg = parseArgs(process.argv);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const pad = (s) => s.length < cfg.payload ? s + ' ' + 'x'.repeat(cfg.payload - s.length - 1) : s;

  function publish(seq) {
    return new Promise((resolve, reject) => {
      const t = now();
      const data = pad(seq + ' ' + t.toFixed(4));
      let path, body, type;
      if (cfg.mode === 'nchan') {
        path = '/pub?id=' + cfg.topic; body = data; type = 'text/plain';
      } else {
        path = cfg.path + '/publish';
        body = 'topic=' + encodeURIComponent(cfg.topic) + '&data=' + encodeURIComponent(data);
        type = 'application/x-www-form-urlencoded';
      }
      const req = http.request({
        host: cfg.host, port: cfg.h1Port, method: 'POST', path, agent,
        headers: { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) },
      }, (res) => {
        let b = '';
        res.on('data', (c) => { b += c; });
        res.on('end', () => {
          if (res.statusCode < 200 || res.statusCode > 299)
            reject(new Error('publish: ' + res.statusCode + ' ' + b));
          else resolve(now() - t);
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  // the subscriber processes
  const kids = [];
  const share = (n, i) => Math.floor(n / cfg.procs) + (i < n % cfg.procs ? 1 : 0);
  for (let i = 0; i < cfg.procs; i++) {
    const k = fork(__filename, ['--child'], { serialization: 'advanced' });
    k.st = { opened: false, warmed: 0, done: -1, result: null,
             n: share(cfg.push, i) + share(cfg.sse, i) };
    k.on('message', (m) => {
      if (m.opened !== undefined) k.st.opened = true;
      if (m.warmed !== undefined) k.st.warmed = m.warmed;
      if (m.done !== undefined) k.st.done = m.done;
      if (m.result) k.st.result = m.result;
      if (waiter) waiter();
    });
    k.send({ cfg, push: share(cfg.push, i), sse: share(cfg.sse, i) });
    kids.push(k);
  }
  let waiter = null;
  const total = cfg.push + cfg.sse;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  // resolves when cond() holds (checked at every child message) or after ms
  function until(cond, ms) {
    return new Promise((resolve) => {
      if (cond()) return resolve(true);
      const timer = setTimeout(() => { waiter = null; resolve(false); }, ms);
      waiter = () => { if (cond()) { clearTimeout(timer); waiter = null; resolve(true); } };
    });
  }

  let stdinLines = 0, stdinWait = null;
  if (cfg.hold) {
    let pending = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (c) => {
      pending += c;
      while (pending.includes('\n')) {
        pending = pending.slice(pending.indexOf('\n') + 1);
        stdinLines++;
        if (stdinWait) stdinWait();
      }
    });
  }
  let holds = 0;
  async function hold(phase, extra) {
    if (!cfg.hold) return;
    process.stdout.write(JSON.stringify(Object.assign({ phase }, extra)) + '\n');
    holds++;
    await new Promise((r) => {
      stdinWait = () => { if (stdinLines >= holds) { stdinWait = null; r(); } };
      stdinWait();
    });
  }

  (async () => {
    const t0 = now();
    await until(() => kids.every((k) => k.st.opened), 60000);
    // warm-up until everyone is subscribed
    let w = 0;
    const warmedAll = () => kids.every((k) => k.st.warmed === k.st.n);
    while (!warmedAll()) {
      if (now() - t0 > 120000) break;
      await publish(-(++w));
      await until(warmedAll, 500);
    }
    const subscribed = kids.reduce((a, k) => a + k.st.warmed, 0);
    const tSub = now() - t0;
    if (subscribed < total) process.stderr.write(`only ${subscribed}/${total} subscribed\n`);
    await hold('subscribed', { subscribed });
    await sleep(200);
    const pubRtt = [];
    let timeouts = 0;
    const tStart = now();
    for (let seq = 0; seq < cfg.events; seq++) {
      const tp = now();
      for (const k of kids) k.send({ want: seq });
      pubRtt.push(await publish(seq));
      const ok = await until(() => kids.every((k) => k.st.done >= seq), cfg.timeout * 1000);
      if (!ok) timeouts++;
      const rest = cfg.interval - (now() - tp);
      if (rest > 0) await sleep(rest);
    }
    const wall = now() - tStart;
    await sleep(500);          // late deliveries
    await hold('events');
    for (const k of kids) k.send({ finish: cfg.events });
    await until(() => kids.every((k) => k.st.result), 30000);
    const all = { push: [], sse: [] };
    const out = {
      mode: cfg.mode, port: cfg.port, push_subscribers: cfg.push,
      sse_subscribers: cfg.sse, events: cfg.events, interval_ms: cfg.interval,
      procs: cfg.procs, push_per_conn: cfg.pushPerConn, payload_bytes: cfg.payload,
      subscribed, warmup_events: w, subscribe_secs: +(tSub / 1000).toFixed(2),
      events_secs: +(wall / 1000).toFixed(2), event_timeouts: timeouts,
      expected: total * cfg.events, delivered: 0, missing: 0, duplicates: 0,
      interim_103: 0, closed: 0, errors: [],
    };
    for (const k of kids) {
      const r = k.st.result;
      if (!r) { out.errors.push('a subscriber process did not report'); continue; }
      for (const x of r.push) all.push.push(x);
      for (const x of r.sse) all.sse.push(x);
      out.missing += r.missing.push + r.missing.sse;
      out.duplicates += r.dup;
      out.interim_103 += r.interim;
      out.closed += r.closed;
      out.errors.push(...r.errors);
    }
    out.delivered = all.push.length + all.sse.length;
    out.latency_ms = summary(all.push.concat(all.sse));
    out.push = summary(all.push);
    out.sse = summary(all.sse);
    out.publish_ms = summary(pubRtt);
    process.stdout.write(JSON.stringify(out) + '\n');
    agent.destroy();
    if (cfg.hold) process.stdin.destroy();
    process.exit(0);
  })().catch((e) => {
    process.stderr.write('channel_client: ' + (e.stack || e) + '\n');
    for (const k of kids) k.kill();
    process.exit(1);
  });
}

if (process.argv.includes('--child')) child();
else main();
