#!/usr/bin/python3
"""Side-by-side benchmark: strongbox-server vs redis-server (not a test).

Starts both servers on free loopback ports with no persistence, runs
redis-benchmark against each in turn (A B A B ...) with the same parameters,
and prints for every workload the median throughput of each server, the
ratio strongbox/redis, and each server's CPU time per request (user+system
of all its threads, from /proc/PID/stat, divided by the requests).

    tests/bench/bench.py [--server build/strongbox-server] [--rounds 3]
                         [--requests 200000] [--quick]
"""
import argparse
import hashlib
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is state (field 3); utime is field 14, stime field 15
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def wait_ready(port, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            out = subprocess.run(["redis-cli", "-p", str(port), "ping"],
                                 capture_output=True, text=True, timeout=2).stdout
            if "PONG" in out:
                return
        except subprocess.TimeoutExpired:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not start")


def start(cmd, port):
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(port)
    return p


# The transfer of the FCALL and EVALSHA workloads: two GETs and two SETs,
# Lua that runs the same on Redis's 5.1 and strongbox's 5.4.
TRANSFER_BODY = """
local a = tonumber(redis.call('GET', KEYS[1]) or '1000000')
local b = tonumber(redis.call('GET', KEYS[2]) or '1000000')
local n = tonumber(ARGV[1])
if a < n then return redis.error_reply('ERR insufficient funds') end
redis.call('SET', KEYS[1], a - n)
redis.call('SET', KEYS[2], b + n)
return a - n
"""
TRANSFER_LIB = ("#!lua name=benchbank\n"
                "redis.register_function('bench_transfer', function(KEYS, ARGV)\n"
                + TRANSFER_BODY + "\nend)\n")
TRANSFER_SHA = hashlib.sha1(TRANSFER_BODY.encode()).hexdigest()
CUSTOM = {
    "fcall": ["FCALL", "bench_transfer", "2", "acct:__rand_int__", "acct:__rand_int__", "1"],
    "evalsha": ["EVALSHA", TRANSFER_SHA, "2", "acct:__rand_int__", "acct:__rand_int__", "1"],
}


def load_scripts(port):
    for args in (["FUNCTION", "LOAD", "REPLACE", TRANSFER_LIB], ["SCRIPT", "LOAD", TRANSFER_BODY]):
        out = subprocess.run(["redis-cli", "-p", str(port)] + args, capture_output=True,
                             text=True, timeout=20).stdout
        if "ERR" in out:
            raise RuntimeError(f"loading the transfer script on port {port}: {out}")


def run_benchmark(port, pid, test, pipeline, clients, requests):
    args = ["redis-benchmark", "-p", str(port), "-c", str(clients), "-n", str(requests),
            "-P", str(pipeline), "-r", "100000", "-d", "32", "--csv"]
    args += CUSTOM[test] if test in CUSTOM else ["-t", test]
    cpu0 = cpu_seconds(pid)
    out = subprocess.run(args, capture_output=True, text=True, timeout=600).stdout
    cpu1 = cpu_seconds(pid)
    rps = None
    for line in out.splitlines():
        m = re.match(r'"([^"]+)","([0-9.]+)"', line)
        if m:
            rps = float(m.group(2))
    if rps is None:
        raise RuntimeError(f"no result from redis-benchmark: {out}")
    return rps, (cpu1 - cpu0) / requests * 1e6


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--server", default=os.path.join(here, "..", "..", "build", "strongbox-server"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--quick", action="store_true", help="1 round, fewer requests")
    ap.add_argument("--tests", default="set,get,incr,mset",
                    help="comma-separated workloads: redis-benchmark -t names, fcall, evalsha")
    ap.add_argument("--pipelines", default="1,16", help="comma-separated -P values")
    ap.add_argument("--persistence", default="none", choices=["none", "everysec", "always"],
                    help="none: no persistence on either; else appendfsync mode on both")
    a = ap.parse_args()
    if a.quick:
        a.rounds, a.requests = 1, 100000
    for tool in ("redis-server", "redis-benchmark", "redis-cli"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found: apt-get install redis-server redis-tools")

    tmp = tempfile.mkdtemp(prefix="sbbench.")
    sp, rp = free_port(), free_port()
    if a.persistence == "none":
        sbp = ["--appendonly", "no"]
        rdp = ["--appendonly", "no"]
    else:
        sbp = ["--appendonly", "yes", "--appendfsync", a.persistence]
        rdp = ["--appendonly", "yes", "--appendfsync", a.persistence]
    sbdir, rddir = os.path.join(tmp, "sb"), os.path.join(tmp, "rd")
    os.makedirs(rddir)
    sb = start([a.server, "--port", str(sp), "--dir", sbdir, "--save", "",
                "--min-free-disk", "0"] + sbp, sp)
    rd = start(["redis-server", "--port", str(rp), "--dir", rddir, "--save", "",
                "--daemonize", "no"] + rdp, rp)
    for port in (sp, rp):
        load_scripts(port)
    workloads = [(t, int(p)) for p in a.pipelines.split(",") for t in a.tests.split(",")]
    rows = []
    try:
        for test, pipeline in workloads:
            res = {"sb": [], "rd": []}
            for _ in range(a.rounds):
                for name, port, proc in (("sb", sp, sb), ("rd", rp, rd)):
                    n = a.requests * (4 if pipeline > 1 else 1)
                    if test == "mset":
                        n //= 4
                    res[name].append(run_benchmark(port, proc.pid, test, pipeline, a.clients, n))
            med = {k: (statistics.median(r for r, _ in v), statistics.median(c for _, c in v))
                   for k, v in res.items()}
            rows.append((test.upper(), pipeline, med["sb"], med["rd"]))
            sbr, rdr = med["sb"][0], med["rd"][0]
            print(f"{test.upper():5} -P {pipeline:<2} strongbox {sbr:10.0f}/s  redis {rdr:10.0f}/s  "
                  f"ratio {sbr / rdr:4.2f}  cpu us/req strongbox {med['sb'][1]:5.2f} "
                  f"redis {med['rd'][1]:5.2f} ({med['sb'][1] / med['rd'][1]:4.2f}x)", flush=True)
    finally:
        for p in (sb, rd):
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(f"persistence: {a.persistence}")
    print(f"| workload | strongbox ops/s | redis ops/s | ratio | CPU us/req strongbox | CPU us/req redis | CPU ratio |")
    print("|---|---|---|---|---|---|---|")
    for test, p, s, r in rows:
        print(f"| {test} -c {a.clients} -P {p} | {s[0]:.0f} | {r[0]:.0f} | {s[0] / r[0]:.2f} | "
              f"{s[1]:.2f} | {r[1]:.2f} | {s[1] / r[1]:.2f} |")


if __name__ == "__main__":
    main()
