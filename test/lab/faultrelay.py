#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A TCP relay that misbehaves on purpose, for the librdpneg fault lab.

Usage: faultrelay.py MODE LISTEN_HOST:PORT TARGET_HOST:PORT [options]

Each accepted connection is relayed to TARGET.  What the client sees depends
on MODE; "server bytes" are the bytes relayed from TARGET to the client:

  pass      relay everything (with --backlog/--accept-delay: a listener that
            accepts slowly, so that concurrent SYNs overflow its queue)
  close     relay the first --after server bytes, then close both sides (FIN)
  reset     relay the first --after server bytes, then reset the client (RST)
  stall     relay the first --after server bytes, then relay nothing more in
            either direction, keeping both connections open (a black hole)
  trickle   relay server bytes in chunks of --chunk bytes, one every
            --interval seconds (a slow path; client bytes pass at once)

Options:
  --after N          server bytes relayed before the fault (default 2000)
  --chunk N          trickle chunk size (default 64)
  --interval S       trickle interval in seconds (default 0.1)
  --backlog N        listen backlog (default 64)
  --accept-delay S   sleep S seconds after each accept (default 0)
  --idle S           drop a connection after S seconds without traffic
                     (default 120; stalled connections are dropped then too)

Python standard library only; one thread per connection direction.  Logs one
line per connection on stdout.
"""

import argparse
import socket
import struct
import sys
import threading
import time

MODES = ("pass", "close", "reset", "stall", "trickle")


def log(msg):
    sys.stdout.write(msg + "\n")
    sys.stdout.flush()


def hostport(text):
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError("expected HOST:PORT, got %r" % text)
    return host.strip("[]"), int(port)


def hard_reset(sock):
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


class Conn:
    """One relayed connection: client <-> upstream."""

    def __init__(self, args, client, peer):
        self.args = args
        self.client = client
        self.peer = peer
        self.lock = threading.Lock()
        self.sent_to_client = 0
        self.faulted = False
        self.closed = False
        self.done = threading.Event()

    def start(self):
        try:
            self.up = socket.create_connection(self.args.target, timeout=10)
        except OSError as e:
            log("%s: upstream connect failed: %s" % (self.peer, e))
            hard_reset(self.client)
            return
        for s in (self.client, self.up):
            s.settimeout(self.args.idle)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = threading.Thread(target=self.client_to_up, daemon=True)
        self.reader.start()
        threading.Thread(target=self.up_to_client, daemon=True).start()
        # Everything ends after the idle limit at the latest.
        self.done.wait(self.args.idle * 2)
        if not self.faulted:
            log("%s: ended after %d server bytes" % (self.peer, self.sent_to_client))
        self.close_all()

    def close_all(self):
        with self.lock:
            if self.closed:
                return
            self.closed = True
        for s in (self.client, self.up):
            try:
                s.close()
            except OSError:
                pass
        self.done.set()

    def client_to_up(self):
        clean_eof = False
        try:
            while True:
                data = self.client.recv(65536)
                if not data:
                    if not self.faulted:
                        # half-close: the server's answer still comes back
                        self.up.shutdown(socket.SHUT_WR)
                        clean_eof = True
                    return
                if self.faulted:
                    continue  # stall: swallow what the client sends
                self.up.sendall(data)
        except OSError:
            pass
        finally:
            if not clean_eof:
                self.done.set()

    def fault(self):
        mode = self.args.mode
        self.faulted = True
        log("%s: %s after %d server bytes" % (self.peer, mode, self.sent_to_client))
        if mode == "close":
            try:
                self.client.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.close_all()
        elif mode == "reset":
            with self.lock:
                self.closed = True
            # close() does not release a socket another thread is blocked
            # in recv() on, so no RST would leave: wake that thread first.
            try:
                self.client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
                self.client.shutdown(socket.SHUT_RD)
            except OSError:
                pass
            self.reader.join(2)
            hard_reset(self.client)
            try:
                self.up.close()
            except OSError:
                pass
            self.done.set()
        # stall: nothing more is relayed; both sockets stay open until idle.

    def up_to_client(self):
        a = self.args
        try:
            while True:
                want = 65536
                if a.mode in ("close", "reset", "stall"):
                    want = a.after - self.sent_to_client
                    if want <= 0:
                        self.fault()
                        if a.mode == "stall":
                            # Keep the upstream drained so the server does
                            # not notice; relay nothing.
                            while self.up.recv(65536):
                                pass
                        return
                elif a.mode == "trickle":
                    want = a.chunk
                data = self.up.recv(want)
                if not data:
                    try:
                        self.client.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    return
                self.client.sendall(data)
                self.sent_to_client += len(data)
                if a.mode == "trickle":
                    time.sleep(a.interval)
        except OSError:
            pass
        finally:
            if a.mode != "stall" or not self.faulted:
                self.done.set()


def main(argv):
    p = argparse.ArgumentParser(description="misbehaving TCP relay")
    p.add_argument("mode", choices=MODES)
    p.add_argument("listen", type=hostport)
    p.add_argument("target", type=hostport)
    p.add_argument("--after", type=int, default=2000)
    p.add_argument("--chunk", type=int, default=64)
    p.add_argument("--interval", type=float, default=0.1)
    p.add_argument("--backlog", type=int, default=64)
    p.add_argument("--accept-delay", type=float, default=0.0)
    p.add_argument("--idle", type=float, default=120.0)
    args = p.parse_args(argv[1:])
    host, port = args.listen
    srv = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(args.backlog)
    log("faultrelay %s listening on %s:%d -> %s:%d (after=%d backlog=%d accept-delay=%g)"
        % (args.mode, host, port, args.target[0], args.target[1], args.after,
           args.backlog, args.accept_delay))
    while True:
        client, addr = srv.accept()
        peer = "%s:%d" % (addr[0], addr[1])
        threading.Thread(target=Conn(args, client, peer).start, daemon=True).start()
        if args.accept_delay > 0:
            time.sleep(args.accept_delay)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except KeyboardInterrupt:
        sys.exit(0)
