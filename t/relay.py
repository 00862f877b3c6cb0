#!/usr/bin/python3
"""Latency relay for the browser tests (t/20_chromium.t).

Listens on 127.0.0.1 (an ephemeral port unless --port is given), forwards
every TCP connection to --target-host:--target-port and delays each chunk,
in both directions, by --delay-ms (one way) without reordering bytes and
without limiting throughput: a chunk read at time t is written at
t + delay, after every chunk read before it.

Why: on loopback a 103 Early Hints arrives ~0.4 ms after the request and
Chromium sometimes drops it before the request can see it; with >= 10 ms
between request and 103 it does not.
A real network always has that gap.

Protocol with the parent (no sleeps needed for synchronisation):
  - when listening, prints one line "PORT <n>" on stdout and flushes;
  - exits when its stdin reaches EOF (the parent closed it or died), or
    after --lifetime seconds at the latest.
Python 3 standard library only.
"""

import argparse
import asyncio
import os
import sys
import time

EOF = object()


def log(args, msg):
    if args.verbose:
        print("relay: %s" % msg, file=sys.stderr, flush=True)


async def pump(args, reader, writer, name):
    """Copy reader -> writer, each chunk delayed by args.delay seconds."""
    queue = asyncio.Queue()

    async def deliver():
        try:
            while True:
                due, data = await queue.get()
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                if data is EOF:
                    if writer.can_write_eof():
                        writer.write_eof()
                    await writer.drain()
                    return
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            return

    sender = asyncio.ensure_future(deliver())
    total = 0
    try:
        while True:
            data = await reader.read(65536)
            due = time.monotonic() + args.delay
            if not data:
                queue.put_nowait((due, EOF))
                break
            total += len(data)
            queue.put_nowait((due, data))
    except (ConnectionError, OSError):
        queue.put_nowait((time.monotonic(), EOF))
    await sender
    log(args, "%s: %d bytes" % (name, total))


async def handle(args, c_reader, c_writer):
    try:
        s_reader, s_writer = await asyncio.open_connection(
            args.target_host, args.target_port)
    except OSError as e:
        log(args, "connect to target failed: %s" % e)
        c_writer.close()
        return
    log(args, "connection %s" % (c_writer.get_extra_info("peername"),))
    try:
        await asyncio.gather(pump(args, c_reader, s_writer, "client->server"),
                             pump(args, s_reader, c_writer, "server->client"))
    finally:
        for w in (s_writer, c_writer):
            try:
                w.close()
            except Exception:
                pass


async def main(args):
    loop = asyncio.get_running_loop()
    server = await asyncio.start_server(
        lambda r, w: handle(args, r, w), args.host, args.port)
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write("PORT %d\n" % port)
    sys.stdout.flush()

    done = loop.create_future()

    def on_stdin():
        try:
            data = os.read(sys.stdin.fileno(), 4096)
        except OSError:
            data = b""
        if not data and not done.done():
            loop.remove_reader(sys.stdin.fileno())
            done.set_result("stdin closed")

    try:
        loop.add_reader(sys.stdin.fileno(), on_stdin)
    except (OSError, ValueError):
        log(args, "stdin cannot be watched: --lifetime only")
    try:
        why = await asyncio.wait_for(done, args.lifetime)
    except asyncio.TimeoutError:
        why = "lifetime of %gs over" % args.lifetime
    log(args, "exit: %s" % why)
    server.close()


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1", help="listen address")
    p.add_argument("--port", type=int, default=0, help="listen port (0: any)")
    p.add_argument("--target-host", default="127.0.0.1")
    p.add_argument("--target-port", type=int, required=True)
    p.add_argument("--delay-ms", type=float, default=15.0,
                   help="one-way delay per direction (default 15)")
    p.add_argument("--lifetime", type=float, default=120.0,
                   help="exit after this many seconds at the latest")
    p.add_argument("--verbose", action="store_true", help="log to stderr")
    args = p.parse_args()
    args.delay = args.delay_ms / 1000.0
    return args


if __name__ == "__main__":
    a = parse_args()
    try:
        asyncio.run(main(a))
    except KeyboardInterrupt:
        pass
    sys.exit(0)
