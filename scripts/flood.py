#!/usr/bin/env python3
"""Idle and half-open connection flood against a running passport-vision (issue #11).

Opens N connections from several processes (each process's file handles are limited),
half of them silent and half with half a request head, then times GET /healthz on a fresh
connection while they are open; with --pid, sends SIGTERM and times the exit.

    python3 scripts/flood.py --port 8080 --connections 20000 --pid $(pgrep -f 'passport-vision serve')
"""
import argparse
import multiprocessing as mp
import os
import signal
import socket
import time


def hold(port, n, ready, release):
    socks = []
    for i in range(n):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            if i % 2:
                s.sendall(b"POST /v1/read HTTP/1.1\r\nHost: x\r\nContent-Le")
            socks.append(s)
        except OSError:
            pass
    ready.put(len(socks))
    release.wait()


def healthz(port):
    start = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.split(b" ")[1].decode(), time.monotonic() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--connections", type=int, default=20000)
    ap.add_argument("--processes", type=int, default=4)
    ap.add_argument("--pid", type=int)
    a = ap.parse_args()
    ready, release = mp.Queue(), mp.Event()
    per = a.connections // a.processes
    procs = [mp.Process(target=hold, args=(a.port, per, ready, release)) for _ in range(a.processes)]
    for p in procs:
        p.start()
    opened = sum(ready.get() for _ in procs)
    print(f"connections opened: {opened}")
    for _ in range(3):
        status, secs = healthz(a.port)
        print(f"/healthz with them open: {status} in {secs * 1000:.0f} ms")
    if a.pid:
        start = time.monotonic()
        os.kill(a.pid, signal.SIGTERM)
        while True:
            try:
                os.kill(a.pid, 0)
            except ProcessLookupError:
                break
            if time.monotonic() - start > 60:
                print("still running after 60 s")
                break
            time.sleep(0.05)
        print(f"exit after SIGTERM: {time.monotonic() - start:.2f} s")
    release.set()
    for p in procs:
        p.join()


if __name__ == "__main__":
    main()
