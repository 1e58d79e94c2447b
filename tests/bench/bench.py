#!/usr/bin/python3
"""Side-by-side throughput benchmark: strongbox-server vs redis-server (not a
test). A thin wrapper of suite.py kept for its older command line: one
persistence mode, the workloads and pipelines given, -c --clients, no
memory/restart part, the table printed and no report file written.

    tests/bench/bench.py [--server build/strongbox-server] [--rounds 3]
                         [--requests N] [--quick] [--tests set,get,incr,mset]
                         [--pipelines 1,16] [--clients 50]
                         [--persistence none|everysec|always]

--tests takes set, get, incr, mset, fcall, evalsha (32-byte values). With
--requests every run has exactly N requests (x8 at -P > 1); without it each
run is sized by suite.py from a pilot run. See suite.py for the details.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", default=os.path.join(HERE, "..", "..", "build", "strongbox-server"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=None)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--quick", action="store_true", help="1 round, shorter runs")
    ap.add_argument("--tests", default="set,get,incr,mset",
                    help="comma-separated: set, get, incr, mset, fcall, evalsha")
    ap.add_argument("--pipelines", default="1,16", help="comma-separated -P values")
    ap.add_argument("--persistence", default="none", choices=["none", "everysec", "always"],
                    help="none: no persistence on either; else appendfsync mode on both")
    a = ap.parse_args()
    args = [os.path.join(HERE, "suite.py"), "--server", a.server, "--no-memory", "--no-report",
            "--modes", a.persistence,
            "--workloads", ",".join(t.strip().upper() for t in a.tests.split(",") if t.strip()),
            "--configs", ",".join(f"{a.clients}x{p.strip()}" for p in a.pipelines.split(",")),
            "--rounds", str(1 if a.quick else a.rounds)]
    if a.quick:
        args += ["--seconds", "0.25"]
    if a.requests:
        args += ["--requests", str(a.requests), "--seconds", "0"]
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable] + args)


if __name__ == "__main__":
    main()
