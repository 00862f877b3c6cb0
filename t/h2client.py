#!/usr/bin/python3
"""Tiny HTTP/2 client (python3-h2) for the mod_h2push tests.

One connection; GETs every path given (all at once, or with --sequential
one after the other: the next request goes out when the previous stream
and every stream pushed with it have ended), accepts pushes and prints
JSON on stdout (--until-first: stop as soon as the first path's own
stream has ended, pushed streams not waited for):

  {"streams": {"<id>": {"id": n, "path": "/x", "pushed": bool,
                        "parent": n|null, "status": "200",
                        "headers": [[name, value], ...],
                        "informational": [[[name, value], ...], ...],
                        "length": n, "sha256": "...", "body_b64": "...",
                        "reset": error_code|null}},
   "promises": [{"parent": n, "promised": n, "path": "/x",
                 "headers": [[name, value], ...]}],
   "order": ["PUSH_PROMISE 13->2 /x", "HEADERS 13 200", ...],
   "elapsed": seconds from connecting to the end of what was waited for,
   "error": "timeout" | "connection closed" | "GOAWAY n" | the h2
            library's exception (a protocol violation by the server)}
("error" only when there was one.)

Usage: h2client.py [--tls] [--no-push] [--sequential | --until-first]
                   --host H --port P [--header 'n: v'] PATH...
Exit 0 when every stream waited for ended, 1 otherwise.
"""
import argparse
import base64
import hashlib
import json
import socket
import ssl
import sys
import time

import h2.config
import h2.connection
import h2.events
import h2.settings


def hdrs(headers):
    out = []
    for n, v in headers:
        if isinstance(n, bytes):
            n = n.decode('latin-1')
        if isinstance(v, bytes):
            v = v.decode('latin-1')
        out.append([n, v])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--host', default='127.0.0.1')
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--tls', action='store_true')
    ap.add_argument('--no-push', action='store_true')
    ap.add_argument('--timeout', type=float, default=20)
    ap.add_argument('--header', action='append', default=[])
    ap.add_argument('--sequential', action='store_true')
    ap.add_argument('--until-first', action='store_true')
    ap.add_argument('paths', nargs='+')
    a = ap.parse_args()

    t0 = time.time()
    sock = socket.create_connection((a.host, a.port), timeout=a.timeout)
    scheme = 'http'
    if a.tls:
        scheme = 'https'
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(['h2'])
        sock = ctx.wrap_socket(sock, server_hostname=a.host)
        if sock.selected_alpn_protocol() != 'h2':
            print(json.dumps({'error': 'ALPN did not select h2'}))
            return 1

    conn = h2.connection.H2Connection(
        config=h2.config.H2Configuration(client_side=True,
                                         header_encoding=None))
    conn.initiate_connection()
    conn.update_settings({
        h2.settings.SettingCodes.ENABLE_PUSH: 0 if a.no_push else 1,
        h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 1 << 20,
    })
    conn.increment_flow_control_window(1 << 24)
    authority = '%s:%d' % (a.host, a.port)

    streams = {}
    promises = []
    order = []

    def new_stream(sid, path, pushed=False, parent=None):
        streams[sid] = {'id': sid, 'path': path, 'pushed': pushed,
                        'parent': parent, 'status': None, 'headers': [],
                        'informational': [], 'body': b'', 'ended': False,
                        'reset': None}

    extra = []
    for h in a.header:
        n, _, v = h.partition(':')
        extra.append((n.strip().lower(), v.strip()))

    def request(path):
        sid = conn.get_next_available_stream_id()
        conn.send_headers(sid, [(':method', 'GET'), (':scheme', scheme),
                                (':authority', authority), (':path', path),
                                ('user-agent', 'h2push-test-h2client'),
                                ('accept', '*/*')] + extra,
                          end_stream=True)
        new_stream(sid, path)
        sock.sendall(conn.data_to_send())
        return sid

    def family_ended(sid):
        """the stream and every stream pushed on it have ended"""
        return streams[sid]['ended'] and all(
            s['ended'] for s in streams.values() if s['parent'] == sid)

    deadline = time.time() + a.timeout
    error = None

    def receive(done):
        """read and handle frames until done() or an error; the error"""
        while not done():
            if time.time() > deadline:
                return 'timeout'
            try:
                data = sock.recv(65536)
            except socket.timeout:
                return 'timeout'
            if not data:
                return 'connection closed'
            goaway = None
            for ev in conn.receive_data(data):
                goaway = handle(ev) or goaway
            out = conn.data_to_send()
            if out:
                sock.sendall(out)
            # a GOAWAY after the first stream ended does not matter to
            # --until-first
            if goaway and not (a.until_first and done()):
                return goaway
        return None

    def handle(ev):
        if isinstance(ev, h2.events.PushedStreamReceived):
            h = hdrs(ev.headers)
            path = dict(h).get(':path')
            promises.append({'parent': ev.parent_stream_id,
                             'promised': ev.pushed_stream_id,
                             'path': path, 'headers': h})
            order.append('PUSH_PROMISE %d->%d %s' % (
                ev.parent_stream_id, ev.pushed_stream_id, path))
            new_stream(ev.pushed_stream_id, path, True, ev.parent_stream_id)
        elif isinstance(ev, h2.events.InformationalResponseReceived):
            h = hdrs(ev.headers)
            streams[ev.stream_id]['informational'].append(h)
            order.append('HEADERS %d %s' % (ev.stream_id,
                                            dict(h).get(':status')))
        elif isinstance(ev, h2.events.ResponseReceived):
            h = hdrs(ev.headers)
            s = streams[ev.stream_id]
            s['headers'] = h
            s['status'] = dict(h).get(':status')
            order.append('HEADERS %d %s' % (ev.stream_id, s['status']))
        elif isinstance(ev, h2.events.DataReceived):
            streams[ev.stream_id]['body'] += ev.data
            conn.acknowledge_received_data(ev.flow_controlled_length,
                                           ev.stream_id)
        elif isinstance(ev, h2.events.StreamEnded):
            streams[ev.stream_id]['ended'] = True
            order.append('END_STREAM %d' % ev.stream_id)
        elif isinstance(ev, h2.events.StreamReset):
            if ev.stream_id in streams:
                streams[ev.stream_id]['ended'] = True
                streams[ev.stream_id]['reset'] = ev.error_code
            order.append('RST_STREAM %d' % ev.stream_id)
        elif isinstance(ev, h2.events.ConnectionTerminated):
            return 'GOAWAY %s' % ev.error_code
        return None

    elapsed = None
    try:
        if a.sequential:
            for path in a.paths:
                sid = request(path)
                error = receive(lambda: family_ended(sid))
                if error:
                    break
        else:
            sids = [request(path) for path in a.paths]
            if a.until_first:
                error = receive(lambda: streams[sids[0]]['ended'])
            else:
                error = receive(lambda: all(s['ended']
                                            for s in streams.values()))
        if not error:
            elapsed = time.time() - t0
    except Exception as e:      # the h2 library: a protocol violation
        error = '%s: %s' % (type(e).__name__, e)

    try:
        conn.close_connection()
        sock.sendall(conn.data_to_send())
        sock.close()
    except OSError:
        pass

    res = {'streams': {}, 'promises': promises, 'order': order,
           'elapsed': elapsed}
    if error:
        res['error'] = error
    for sid, s in streams.items():
        body = s.pop('body')
        s['length'] = len(body)
        s['sha256'] = hashlib.sha256(body).hexdigest()
        s['body_b64'] = base64.b64encode(body).decode('ascii')
        res['streams'][str(sid)] = s
    print(json.dumps(res, indent=1, sort_keys=True))
    return 1 if error else 0


if __name__ == '__main__':
    sys.exit(main())
