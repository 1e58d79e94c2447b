#!/usr/bin/python3
"""What another I/O pattern would reach: CPU time per request of servers
that do nothing, against Redis's and strongbox's (a measurement, not a test).

The suite's target "server CPU time per request at most 0.7x Redis's" is
not met at -P 1, and its floor column shows why: a server that does
nothing, with Redis's I/O pattern (epoll, one read and one write per
request), already costs 0.7-0.9x Redis there; the rest is the kernel's
work for each request. This script measures what would move that floor,
with sb-bench-floor (floor.c) in four forms, alternately with Redis and
strongbox (A B C ..., --rounds rounds, medians):

  epoll             Redis's pattern (the suite's floor)
  epoll+sleep       the same, sleeping --sleep us before each wait while
                    8 or more connections are open, as strongbox's
                    io-coalesce does: more requests per iteration, fewer
                    wake-ups (at -c 1 it is plain epoll)
  uring             io_uring instead of epoll, read and write: one
                    io_uring_enter per loop iteration for all the
                    connections' receives and sends
  uring+sleep       both

for GET and SET (16-byte keys, 32-byte values; Redis and strongbox have the
1M-key space loaded) at -c 50 -P 1 and -c 1 -P 1, with appendonly no (or
--mode everysec/always: Redis and strongbox with that appendfsync, the
floors with their log written, and fdatasync'ed in always, per iteration).
--uring needs sb-bench-floor built with liburing (liburing-dev) and a
kernel and seccomp profile that allow io_uring (Docker's default profile
does not).

    tests/bench/floors.py [--rounds 5] [--mode none|everysec|always]
                          [--sleep 50] [--configs 50x1,1x1] [--workloads GET,SET]
"""
import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import suite  # noqa: E402
from restart import Conn, Server, free_port, kill_all, load  # noqa: E402


def start(name, cmd, port, tmp, procs):
    srv = Server(name, cmd, port, os.path.join(tmp, name + ".log"), procs)
    srv.spawn()
    srv.wait_pong(30)
    return srv


def measure(srv, argv, clients, n, keyspace):
    meter = suite.CpuMeter(srv.p.pid)
    meter.start()
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    rps = suite.redis_benchmark(srv.port, argv, clients, 1, n, keyspace)[0]
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = meter.stop()[0]
    client = (c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime) * 1e6 / n
    return rps, cpu / n / 1000, client


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--server", default=os.path.join(HERE, "..", "..", "build", "strongbox-server"))
    ap.add_argument("--floor", default=None, help="sb-bench-floor (default: next to --server)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--mode", default="none", choices=suite.MODES)
    ap.add_argument("--sleep", type=int, default=50, help="us before each wait (default 50, "
                    "strongbox's io-coalesce default)")
    ap.add_argument("--configs", default="50x1,1x1", help="CLIENTSxPIPELINE,... (pipeline 1)")
    ap.add_argument("--workloads", default="GET,SET")
    ap.add_argument("--requests", type=int, default=200000, help="per -c 50 run (/10 at -c 1)")
    ap.add_argument("--keyspace", type=int, default=1000000)
    a = ap.parse_args()
    floor = a.floor or os.path.join(os.path.dirname(os.path.abspath(a.server)), "sb-bench-floor")
    for path in (a.server, floor):
        if not os.access(path, os.X_OK):
            sys.exit(f"no {path}: build first (./build.sh test builds both)")
    if not shutil.which("redis-benchmark") or not shutil.which("redis-server"):
        sys.exit("needs redis-server and redis-benchmark (apt-get install redis-server redis-tools)")
    configs = [int(c.split("x")[0]) for c in a.configs.split(",")]
    defs = suite.workloads()
    wls = [w for w in a.workloads.split(",") if w]
    for w in wls:
        if w not in ("GET", "SET"):
            sys.exit("--workloads: GET and/or SET (the floor answers nothing else usefully)")

    tmp = tempfile.mkdtemp(prefix="sbfloors.")
    procs = []
    try:
        if a.mode == "none":
            pers, log = ["--appendonly", "no"], []
        else:
            # loaded with everysec, then CONFIG SET (suite.Pair.fsync says why)
            pers = ["--appendonly", "yes", "--appendfsync", "everysec"]
            log = ["--fsync", "always" if a.mode == "always" else "no"]
        sbdir, rddir = os.path.join(tmp, "sb"), os.path.join(tmp, "rd")
        os.makedirs(sbdir)
        os.makedirs(rddir)
        p = free_port()
        servers = [start("strongbox", [a.server, "--port", str(p), "--dir", sbdir, "--save", "",
                                       "--auto-checkpoint-percentage", "0",
                                       "--min-free-disk", "0"] + pers, p, tmp, procs)]
        p = free_port()
        servers.append(start("redis", ["redis-server", "--port", str(p), "--bind", "127.0.0.1",
                                       "--dir", rddir, "--save", "",
                                       "--auto-aof-rewrite-percentage", "0"] + pers,
                             p, tmp, procs))
        variants = (("epoll", []), ("epoll+sleep", ["--sleep", str(a.sleep)]),
                    ("uring", ["--uring"]), ("uring+sleep", ["--uring", "--sleep", str(a.sleep)]))
        for name, extra in variants:
            p = free_port()
            flog = ["--log", os.path.join(tmp, name + ".aof")] + log if log else []
            try:
                servers.append(start(name, [floor, str(p)] + flog + extra, p, tmp, procs))
            except RuntimeError as e:   # no liburing, or io_uring refused here
                print(f"NOTE: {name} left out: {str(e).strip().splitlines()[-1]}", flush=True)
        chunks = suite.build_chunks(a.keyspace, 32)
        for srv in servers[:2]:
            print(f"{srv.name}: loaded {a.keyspace} keys in {load(srv.port, chunks):.1f}s",
                  flush=True)
            if a.mode != "none":
                c = Conn(srv.port)
                c.call("CONFIG", "SET", "appendfsync", a.mode)
                if c.call("CONFIG", "GET", "appendfsync") != ["appendfsync", a.mode]:
                    sys.exit(f"{srv.name}: CONFIG SET appendfsync {a.mode} did not take")
                c.close()
        rows = []
        for wl in wls:
            argv = defs[wl][1]
            for clients in configs:
                n = a.requests if clients > 1 else a.requests // 10
                got = {s.name: [] for s in servers}
                for s in servers:   # warm-up
                    measure(s, argv, clients, max(1000, n // 10), a.keyspace)
                for _ in range(a.rounds):
                    for s in servers:
                        got[s.name].append(measure(s, argv, clients, n, a.keyspace))
                med = {k: [statistics.median(x[i] for x in v) for i in range(3)]
                       for k, v in got.items()}
                rows.append((f"{wl} -c {clients} -P 1", med))
                line = "  ".join(f"{k} {v[1]:.2f}" for k, v in med.items())
                print(f"{wl} -c {clients}: CPU us/req {line}", flush=True)
        names = [s.name for s in servers]
        print(f"\nmode {a.mode}, {a.rounds} rounds, medians; CPU = user+system time of all the "
              "server's threads per request; ratio = CPU / Redis's CPU\n")
        print("| workload | " + " | ".join(f"{n} ops/s | {n} CPU us/req | {n} ratio"
                                          for n in names) + " |")
        print("|---|" + "--:|--:|--:|" * len(names))
        for cell, med in rows:
            rd = med["redis"][1]
            print(f"| {cell} | " + " | ".join(
                f"{med[n][0] / 1000:.1f}k | {med[n][1]:.2f} | **{med[n][1] / rd:.2f}**"
                for n in names) + " |")
    finally:
        kill_all(procs)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
