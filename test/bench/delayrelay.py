#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A userspace TCP relay that adds network latency, for benchmarks.

    delayrelay.py --target HOST:PORT [--listen PORT] [--delay-ms 25] [--log F]

Listens on 127.0.0.1:PORT (0 = any free port; the port is printed on the
first line of stdout), and for each client connects to the target and moves
bytes both ways. How it models a path with round-trip time RTT = 2 * D
(D = --delay-ms, the one-way delay):

  * Every chunk read from one side is written to the other side D ms after
    it was read, in order, whatever its size (propagation delay only: no
    bandwidth limit, no loss). A request and its answer therefore cost
    2 * D = 1 RTT on top of what the two ends spend computing.
  * TCP's handshake: the client's connect() to the relay completes at once
    on loopback, so the relay charges it afterwards. On a real path the
    client's SYN reaches the server at 0.5 RTT, the SYN-ACK is back at
    1 RTT (connect() returns) and the client's first data, sent with the
    ACK, reaches the server at 1.5 RTT, when the server's accept() also
    returns. The relay does the same: it opens the connection to the target
    at accept + RTT + D and delivers the client's first bytes then (bytes
    the client wrote earlier wait; later bytes keep their D). The client
    thus sees connect() return early but its first answer arrive exactly
    as late as on the real path; the RTT shows in its first phase (X.224),
    not in its TCP phase.
  * Not modelled: TCP's own ACKs. The client's and the server's kernels
    talk to the relay over loopback and get ACKs at once, so Nagle's
    algorithm and delayed ACKs cost nothing here (on a real path a client
    without TCP_NODELAY that writes two small segments waits for an ACK).
    Neither is a TCP window or slow start modelled: every flight of this
    protocol is a few kB, far below an initial window of 10 segments.
  * Close: an EOF is passed on D ms after it was read; a reset closes both
    sides at once.

With --log F the relay appends one JSON object per event to F: "accept",
"upstream" (the connection to the target is open), "chunk" (dir c2s/s2c,
bytes, read = when the relay read it, due = when it should be written),
"sent" (when it was), "fin" (EOF or reset read), "eof" (EOF passed on) and
"close"; times in ms since accept. analyze() reads
such a log back (see rtt.py).
"""

import argparse
import asyncio
import itertools
import json
import sys
import time


class Log:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1) if path else None

    def write(self, **kv):
        if self.f:
            self.f.write(json.dumps(kv) + "\n")


async def relay(args, log, ids, creader, cwriter):
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    cid = next(ids)
    d = args.delay_ms / 1000.0
    rtt = 2 * d
    ms = lambda t: round((t - t0) * 1000.0, 3)  # noqa: E731
    log.write(ev="accept", conn=cid, wall=time.time())
    q_c2s, q_s2c = asyncio.Queue(), asyncio.Queue()
    # client -> server: nothing reaches the server before accept + RTT + D
    first_c2s = t0 + rtt + d

    async def pump_in(reader, q, earliest, name):
        while True:
            try:
                data = await reader.read(65536)
            except (ConnectionError, OSError):
                data = None  # reset
            now = loop.time()
            due = max(now + d, earliest)
            q.put_nowait((due, data))
            if data:
                log.write(ev="chunk", conn=cid, dir=name, bytes=len(data),
                          read=ms(now), due=ms(due))
            else:
                log.write(ev="fin", conn=cid, dir=name, read=ms(now),
                          reset=data is None)
            if not data:
                return

    async def pump_out(q, writer, name):
        while True:
            due, data = await q.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:  # reset: close both sides now
                raise ConnectionResetError(name)
            if data == b"":
                if writer.can_write_eof():
                    writer.write_eof()
                log.write(ev="eof", conn=cid, dir=name, sent=ms(loop.time()))
                return
            writer.write(data)
            log.write(ev="sent", conn=cid, dir=name, bytes=len(data),
                      due=ms(due), sent=ms(loop.time()))
            await writer.drain()

    tasks = [asyncio.ensure_future(pump_in(creader, q_c2s, first_c2s,
                                           "c2s"))]
    swriter = None
    try:
        wait = first_c2s - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        host, port = args.target.rsplit(":", 1)
        sreader, swriter = await asyncio.open_connection(host, int(port))
        log.write(ev="upstream", conn=cid, t=ms(loop.time()))
        tasks += [
            asyncio.ensure_future(pump_out(q_c2s, swriter, "c2s")),
            asyncio.ensure_future(pump_in(sreader, q_s2c, 0.0, "s2c")),
            asyncio.ensure_future(pump_out(q_s2c, cwriter, "s2c")),
        ]
        await asyncio.gather(*tasks[1:])
    except (ConnectionError, OSError) as e:
        log.write(ev="error", conn=cid, error=repr(e), t=ms(loop.time()))
    finally:
        for t in tasks:
            t.cancel()
        for w in (cwriter, swriter):
            if w is not None:
                w.close()
        log.write(ev="close", conn=cid, t=ms(loop.time()))


def analyze(events):
    """Per connection, from a relay log: the flights each way and where the
    time went. A flight is a run of chunks in one direction; a round trip is
    a client flight answered by a server flight. Flights the relay read
    after the client's FIN (the server's answer to a close_notify) were not
    waited for and are left out of the sums. Returns a list of dicts:
      flights   [(dir, bytes, first read ms)] in order, all of them
      server_ms time the server spent answering: from the delivery of a
                client flight's last chunk to the read of the answer's first
      client_ms time the client spent before each of its flights: from
                accept (its connect) to the read of its first, from the
                delivery of the server's last chunk to the read of its next
      round_trips  client flights the server answered before the client's
                FIN, plus one for TCP's handshake
      late_ms   how late the relay delivered the last chunk of each flight
                the client waited on, or that was answered before it
                ended: the relay's own overhead on the critical path
    """
    conns = {}
    for e in events:
        conns.setdefault(e["conn"], []).append(e)
    out = []
    for cid in sorted(conns):
        evs = conns[cid]
        sent = {"c2s": [], "s2c": []}
        for e in evs:
            if e["ev"] == "sent":
                sent[e["dir"]].append(e["sent"])
        seen = {"c2s": 0, "s2c": 0}
        flights = []
        for r in sorted((e for e in evs if e["ev"] == "chunk"),
                        key=lambda e: e["read"]):
            k = seen[r["dir"]]
            seen[r["dir"]] += 1
            s = sent[r["dir"]][k] if k < len(sent[r["dir"]]) else None
            if flights and flights[-1]["dir"] == r["dir"]:
                f = flights[-1]
            else:
                f = {"dir": r["dir"], "bytes": 0, "first": r["read"]}
                flights.append(f)
            f["bytes"] += r["bytes"]
            f["due"], f["sent"] = r["due"], s
        ends = [e["read"] for e in evs if e["ev"] == "fin"
                and e["dir"] == "c2s"] + [e["t"] for e in evs
                                          if e["ev"] == "close"]
        client_end = min(ends) if ends else float("inf")
        waited = [f for f in flights if f["first"] < client_end]
        server_ms = client_ms = late_ms = 0.0
        for i, (prev, cur) in enumerate(zip(waited, waited[1:])):
            if prev["sent"] is None:
                continue
            gap = cur["first"] - prev["sent"]
            if cur["dir"] == "s2c":
                server_ms += gap
            else:
                client_ms += gap
        for i, f in enumerate(waited):
            answered = i + 1 < len(waited)
            if f["sent"] is not None and (f["dir"] == "s2c" or answered):
                late_ms += f["sent"] - f["due"]
        answered = sum(1 for f, g in zip(waited, waited[1:])
                       if f["dir"] == "c2s" and g["dir"] == "s2c")
        if flights and flights[0]["dir"] == "c2s":
            client_ms += flights[0]["first"]  # connect to first request
        out.append({
            "conn": cid,
            "round_trips": answered + 1,  # + TCP's handshake
            "flights": [(f["dir"], f["bytes"], f["first"]) for f in flights],
            "client_end": client_end,
            "server_ms": round(server_ms, 3),
            "client_ms": round(client_ms, 3),
            "late_ms": round(late_ms, 3),
        })
    return out


async def serve(args):
    log = Log(args.log)
    ids = itertools.count(1)
    live = set()  # asyncio keeps only weak references to tasks

    def connected(reader, writer):
        t = asyncio.ensure_future(relay(args, log, ids, reader, writer))
        live.add(t)
        t.add_done_callback(live.discard)

    server = await asyncio.start_server(connected, "127.0.0.1", args.listen)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    async with server:
        await server.serve_forever()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--target", required=True, help="HOST:PORT")
    p.add_argument("--listen", type=int, default=0)
    p.add_argument("--delay-ms", type=float, default=25.0,
                   help="one-way delay (RTT = 2x)")
    p.add_argument("--log")
    args = p.parse_args()
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
