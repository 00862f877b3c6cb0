#!/usr/bin/python3
"""Reset a held stream, keeping its connection (t/39_channel.t).

  h2reset.py --port P PATH
Sends GET PATH over cleartext h2 (prior knowledge, push enabled), prints
"sent"; on a line from stdin sends RST_STREAM (CANCEL) for it and prints
"reset"; on the next line (or EOF) prints "alive" if the connection still
answers a PING, and exits.
"""
import argparse
import socket
import sys

import h2.config
import h2.connection
import h2.errors
import h2.events


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--host', default='127.0.0.1')
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('path')
    a = ap.parse_args()
    sock = socket.create_connection((a.host, a.port), timeout=10)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(
        client_side=True, header_encoding='utf-8'))
    conn.initiate_connection()
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, [(':method', 'GET'), (':path', a.path),
                            (':scheme', 'http'),
                            (':authority', '%s:%d' % (a.host, a.port))],
                      end_stream=True)
    sock.sendall(conn.data_to_send())
    print('sent', flush=True)
    sys.stdin.readline()
    conn.reset_stream(sid, error_code=h2.errors.ErrorCodes.CANCEL)
    sock.sendall(conn.data_to_send())
    print('reset', flush=True)
    sys.stdin.readline()
    conn.ping(b'h2pushok')
    sock.sendall(conn.data_to_send())
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            for ev in conn.receive_data(data):
                if isinstance(ev, h2.events.PingAckReceived):
                    print('alive', flush=True)
                    return 0
            out = conn.data_to_send()
            if out:
                sock.sendall(out)
    except (socket.timeout, OSError):
        pass
    print('dead', flush=True)
    return 1


if __name__ == '__main__':
    sys.exit(main())
