#!/usr/bin/python3
"""The benchmark suite: strongbox-server vs redis-server, side by side (not a
test: figures are reported, nothing is asserted).

For each persistence mode (none: appendonly no on both; everysec and always:
appendonly yes with that appendfsync on both) it starts both servers on free
loopback ports in temporary directories, with matching settings (no RDB
snapshots, automatic checkpoints / AOF rewrites off on both), and runs every
workload against both alternately (A B A B ..., --rounds rounds, medians)
with redis-benchmark:

  GET, SET, INCR, MSET (10 keys), FCALL of a bank transfer (two GETs, two
  SETs in Lua) and EVALSHA of the same script, with 32-byte values; GET, SET
  and MSET again with 1 KB values; each at -c 50 -P 1, -c 50 -P 16 and
  -c 1 -P 1 (latency). Keys are 16 bytes ("key:%012d", "ctr:%012d",
  "acc:%012d") drawn from a 1M key space (redis-benchmark -r); the "key:"
  space is loaded with all 1M keys first (32-byte values, then 1 KB values
  before the 1 KB workloads), so every GET hits.

Each run's request count is sized from a short pilot run (also a warm-up) of
the same workload on both servers so that the slower one takes about
--seconds, capped by --requests (the pilot's rate is the marginal one of
its last two runs: a run's fixed start-up cost would otherwise make it low). For each run the suite records ops/s, p50
and p99 latency (redis-benchmark --csv) and each server's CPU time per
request: user+system time of all its threads (/proc/PID/task/*/schedstat, in
ns; /proc/PID/stat ticks if a thread came or went) divided by the requests,
and the kernel's share of it (system time from /proc/PID/stat ticks), and
redis-benchmark's own CPU time per request (getrusage of the finished child):
at -P 1 the client is the bottleneck, and its rate is 1e6 / that.
Error replies are counted (INFO stats total_error_replies) and reported.

With sb-bench-floor (tests/bench/floor.c, built next to strongbox-server;
--floor), a third server joins each rotation (A B F): one that answers
without doing anything, with Redis's I/O pattern and, in everysec and
always, its write() (and fdatasync) per loop iteration. Its CPU time per
request is the floor: the kernel's share of each request that any server
on sockets pays; the "floor/Redis" column is the lowest CPU ratio within
reach of a server that reads and writes as Redis does, and "floor/Redis
ops/s" the throughput ratio of a server that does nothing at all.

Then the memory and restart part (restart.py): N keys loaded into both, RSS
per key, peak memory during a checkpoint vs BGREWRITEAOF under write load,
size on disk, restart time.

Output: a markdown report tests/bench/results/<date>.md (machine, versions,
settings, the table) and a PNG chart of the ratios <date>.png made with
gnuplot (Debian package gnuplot-nox).

    tests/bench/suite.py [--quick] [--rounds 3] [--requests N] [--seconds S]
                         [--keys 1000000 | --10m] [--modes none,everysec,always]
                         [--workloads GET,SET,...] [--no-memory] [--no-report]
"""
import argparse
import csv
import datetime
import hashlib
import io
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import restart  # noqa: E402  (memory/restart part, RESP client, /proc helpers)
from restart import Conn, Server, free_port, kill_all, load, machine, version  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
MODES = ("none", "everysec", "always")
CONFIGS = ((50, 1), (50, 16), (1, 1))      # (clients, pipeline)

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

KEY = "key:__rand_int__"        # 16 bytes: redis-benchmark -r writes 12 digits


def value(size):
    return "v" * size


# name -> (value size of the "key:" space it needs loaded, or None; argv)
def workloads():
    w = {}
    for size, suffix in ((32, ""), (1024, " 1KB")):
        v = value(size)
        w["GET" + suffix] = (size, ["GET", KEY])
        w["SET" + suffix] = (size, ["SET", KEY, v])
        if not suffix:
            w["INCR"] = (None, ["INCR", "ctr:__rand_int__"])
        w["MSET" + suffix] = (size, ["MSET"] + [KEY, v] * 10)
        if not suffix:
            for name, head in (("FCALL", ["FCALL", "bench_transfer"]),
                               ("EVALSHA", ["EVALSHA", TRANSFER_SHA])):
                w[name] = (None, head + ["2", "acc:__rand_int__", "acc:__rand_int__", "1"])
    return w


ALL_WORKLOADS = list(workloads())   # GET SET INCR MSET FCALL EVALSHA GET 1KB SET 1KB MSET 1KB


# ---------------------------------------------------------------- CPU time

def cpu_stat_ticks(pid):
    """(utime, stime) of all threads, in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])


def cpu_threads_ns(pid):
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                out[tid] = int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return out


class CpuMeter:
    """CPU time of a process between start() and stop(): stop() returns the
    total in ns and the share of it spent in the kernel (system time; from
    clock ticks, so rough for short runs; None if no tick passed)."""

    def __init__(self, pid):
        self.pid = pid

    def start(self):
        self.t0, self.k0 = cpu_threads_ns(self.pid), cpu_stat_ticks(self.pid)

    def stop(self):
        t1, k1 = cpu_threads_ns(self.pid), cpu_stat_ticks(self.pid)
        user, system = k1[0] - self.k0[0], k1[1] - self.k0[1]
        share = system / (user + system) if user + system else None
        if set(self.t0) <= set(t1):     # no thread exited: exact per-thread sums
            return sum(v - self.t0.get(tid, 0) for tid, v in t1.items()), share
        return (user + system) * 1e9 / CLK_TCK, share   # a thread exited: ticks


# ---------------------------------------------------------------- servers

class Pair:
    """strongbox and redis, started for one persistence mode."""

    def __init__(self, server, mode, tmp, sb_args=(), floor=None):
        self.mode, self.procs, self.fl, self.conns = mode, [], None, {}
        try:
            self._start(server, mode, tmp, list(sb_args), floor)
        except BaseException:
            self.close()            # what started before the failure does not outlive it
            raise

    def _start(self, server, mode, tmp, sb_args, floor):
        d = os.path.join(tmp, mode)
        sbdir, rddir = os.path.join(d, "sb"), os.path.join(d, "rd")
        os.makedirs(sbdir)
        os.makedirs(rddir)
        if mode == "none":
            pers = ["--appendonly", "no"]
        else:   # "always" starts as everysec: see fsync()
            pers = ["--appendonly", "yes", "--appendfsync", "everysec"]
        sp, rp = free_port(), free_port()
        self.sb = Server("strongbox", [server, "--port", str(sp), "--dir", sbdir, "--save", "",
                                       "--auto-checkpoint-percentage", "0",
                                       "--min-free-disk", "0"] + pers + sb_args,
                         sp, os.path.join(d, "sb.log"), self.procs)
        self.rd = Server("redis", ["redis-server", "--port", str(rp), "--bind", "127.0.0.1",
                                   "--dir", rddir, "--daemonize", "no", "--save", "",
                                   "--aof-use-rdb-preamble", "yes",
                                   "--auto-aof-rewrite-percentage", "0"] + pers,
                         rp, os.path.join(d, "rd.log"), self.procs)
        self.sb.start()
        self.rd.start()
        if floor:
            fp = free_port()
            log = [] if mode == "none" else ["--log", os.path.join(d, "floor.log"),
                                             "--fsync", "always" if mode == "always" else "no"]
            self.fl = Server("floor", [floor, str(fp)] + log, fp, os.path.join(d, "floor.out"),
                             self.procs)
            self.fl.start()
        for srv in self.servers():
            c = Conn(srv.port)
            c.call("FUNCTION", "LOAD", "REPLACE", TRANSFER_LIB)
            if c.call("SCRIPT", "LOAD", TRANSFER_BODY) != TRANSFER_SHA:
                raise RuntimeError(f"{srv.name}: SCRIPT LOAD returned another SHA1")
            self.conns[srv.name] = c

    def servers(self):
        return (self.sb, self.rd)

    def all(self):
        """servers() and the floor, if there is one."""
        return self.servers() + ((self.fl,) if self.fl else ())

    def fsync(self, policy):
        """CONFIG SET appendfsync on both. The key space is loaded with
        everysec: Redis with always fsyncs every 16 KB read of a pipelined
        load, which would take minutes for 1M 1 KB values."""
        if self.mode == "none":
            return
        for srv in self.servers():
            c = self.conns[srv.name]
            c.call("CONFIG", "SET", "appendfsync", policy)
            got = c.call("CONFIG", "GET", "appendfsync")
            if got != ["appendfsync", policy]:
                raise RuntimeError(f"{srv.name}: CONFIG GET appendfsync answered {got!r}")

    def errors(self, srv):
        if srv is self.fl:
            return 0
        return int(self.conns[srv.name].info("stats").get("total_error_replies", 0))

    def io_counts(self):
        """strongbox's I/O thread counters (INFO stats): its coalescing
        sleeps, the periods it skipped them as contended (it waited for a
        CPU), and its moves between io_uring and epoll -- for the log, to
        tell a round where the client set a lower rate."""
        st = self.conns[self.sb.name].info("stats")
        return tuple(int(st.get(k, 0)) for k in ("io_coalesce_sleeps", "io_coalesce_contended",
                                                 "io_uring_switches"))

    def close(self):
        for c in self.conns.values():
            c.close()
        kill_all(self.procs)


def build_chunks(n, size, chunk=20000):
    v = value(size).encode()
    cmd = b"*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$" + str(size).encode() + b"\r\n" + v + b"\r\n"
    return [(min(n, s + chunk) - s, b"".join(cmd % i for i in range(s, min(n, s + chunk))))
            for s in range(0, n, chunk)]


# ---------------------------------------------------------------- redis-benchmark

def redis_benchmark(port, argv, clients, pipeline, requests, keyspace):
    args = ["redis-benchmark", "-p", str(port), "-c", str(clients), "-n", str(requests),
            "-P", str(pipeline), "-r", str(keyspace), "--csv"] + argv
    p = subprocess.run(args, capture_output=True, text=True, timeout=900)
    rows = [r for r in csv.DictReader(io.StringIO(p.stdout)) if r.get("rps")]
    if p.returncode != 0 or not rows:
        raise RuntimeError(f"redis-benchmark on port {port} failed ({p.returncode}): "
                           f"{p.stdout[-500:]} {p.stderr[-500:]}")
    r = rows[-1]
    return float(r["rps"]), float(r["p50_latency_ms"]), float(r["p99_latency_ms"])


def run_once(pair, srv, argv, clients, pipeline, n, keyspace):
    meter = CpuMeter(srv.p.pid)
    e0 = pair.errors(srv)
    meter.start()
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    rps, p50, p99 = redis_benchmark(srv.port, argv, clients, pipeline, n, keyspace)
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu, sys_share = meter.stop()
    errs = pair.errors(srv) - e0
    client = (c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime) * 1e6 / n
    return {"rps": rps, "cpu_us": cpu / n / 1000, "sys": sys_share, "p50": p50, "p99": p99,
            "client_us": client, "errors": errs}


def pilot_rate(srv, argv, clients, pipeline, n, keyspace, least=0.06):
    """Requests per second of srv, from redis-benchmark runs of n, 4n, 16n...
    requests until one lasts `least` seconds (a few stalls in a run of a
    few milliseconds would say nothing). Also the warm-up of the cell.
    The rate is the marginal one of the last two runs, (4n - n) / (t(4n) -
    t(n)): the fixed cost of a run (redis-benchmark starting, 50 clients
    connecting) is a large part of a 60 ms run and would make the pilot
    low and the measured runs far shorter than asked, worst for the fastest
    cells (0.1 s instead of 0.5 s once)."""
    prev = None
    while True:
        t0 = time.perf_counter()
        rps = redis_benchmark(srv.port, argv, clients, pipeline, n, keyspace)[0]
        t = time.perf_counter() - t0
        if t >= least or n >= 1 << 22:
            if prev and t > prev[1] * 1.5:
                return max(rps, (n - prev[0]) / (t - prev[1]))
            return rps
        prev = (n, t)
        n *= 4


def run_cell(pair, argv, clients, pipeline, a):
    """Pilot on both, then a.rounds rounds of A B. Returns medians per server."""
    cap = a.requests * (8 if pipeline > 1 else 1) // (5 if clients == 1 else 1)
    if a.seconds > 0:
        floor = max(100, clients * pipeline * 4)
        rates = [pilot_rate(srv, argv, clients, pipeline, floor, a.keyspace)
                 for srv in pair.servers()]
        # A pilot that met a stall (one of about 0.8 s once made an
        # always-mode SET cell 512 requests long): the two servers are
        # within 2-3x of each other in every cell, so a rate under a
        # quarter of the other's is measured again, and the higher kept.
        for i, srv in enumerate(pair.servers()):
            if rates[i] < max(rates) / 4:
                rates[i] = max(rates[i], pilot_rate(srv, argv, clients, pipeline, floor,
                                                    a.keyspace))
        rate = min(rates)
        n = int(min(cap, max(floor, a.seconds * rate)))
    else:
        n = cap
    res = {srv.name: [] for srv in pair.all()}
    io0 = pair.io_counts()
    for _ in range(a.rounds):
        for srv in pair.all():
            res[srv.name].append(run_once(pair, srv, argv, clients, pipeline, n, a.keyspace))
    io1 = pair.io_counts()
    out = {}
    for name, runs in res.items():
        out[name] = {k: statistics.median(v) if v else None
                     for k in runs[0] for v in [[r[k] for r in runs if r[k] is not None]]}
        out[name]["errors"] = sum(r["errors"] for r in runs)
        out[name]["all_rps"] = [r["rps"] for r in runs]
    out["requests"] = n
    out["io"] = tuple(b - c for b, c in zip(io1, io0))
    return out


# ---------------------------------------------------------------- report

def fmt_rate(x):
    return f"{x / 1000:.1f}k" if x < 1e6 else f"{x / 1e6:.2f}M"


def cell_name(wl, clients, pipeline):
    return f"{wl} -c {clients} -P {pipeline}"


def pct(share):
    return "-" if share is None else f"{share * 100:.0f}%"


def results_table(results):
    floor = any("floor" in r for _, r in results)
    lines = ["| workload | mode | strongbox ops/s | Redis ops/s | ratio | CPU us/req strongbox | "
             "CPU us/req Redis | CPU ratio | "
             + ("CPU us/req floor | floor/Redis CPU | floor/Redis ops/s | " if floor else "")
             + "kernel share strongbox | kernel share Redis | "
             "client CPU us/req strongbox | client CPU us/req Redis | "
             "p50 ms strongbox | p50 ms Redis | p99 ms strongbox | p99 ms Redis |",
             "|---|---|--:|--:|--:|--:|--:|--:|" + ("--:|--:|--:|" if floor else "")
             + "--:|--:|--:|--:|--:|--:|--:|--:|"]
    for (mode, wl, c, p), r in results:
        s, d = r["strongbox"], r["redis"]
        fcols = ""
        if floor:
            f = r.get("floor")
            fcols = (f"{f['cpu_us']:.2f} | **{f['cpu_us'] / d['cpu_us']:.2f}** | "
                     f"{f['rps'] / d['rps']:.2f} | " if f else "- | - | - | ")
        err = ""
        if s["errors"] or d["errors"]:
            err = f" (error replies: strongbox {s['errors']}, Redis {d['errors']})"
        lines.append(f"| {cell_name(wl, c, p)}{err} | {mode} | {fmt_rate(s['rps'])} | "
                     f"{fmt_rate(d['rps'])} | **{s['rps'] / d['rps']:.2f}** | "
                     f"{s['cpu_us']:.2f} | {d['cpu_us']:.2f} | **{s['cpu_us'] / d['cpu_us']:.2f}** | "
                     f"{fcols}{pct(s['sys'])} | {pct(d['sys'])} | "
                     f"{s['client_us']:.1f} | {d['client_us']:.1f} | "
                     f"{s['p50']:.3f} | {d['p50']:.3f} | {s['p99']:.3f} | {d['p99']:.3f} |")
    return "\n".join(lines)


GNUPLOT = r"""
set terminal pngcairo size 1600,1100 font ",10"
set output '{png}'
set datafile separator "\t"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key top left horizontal
set xtics rotate by -50 scale 0 font ",9"
set yrange [0:*]
set multiplot layout 2,1 title "{title}"
set title "throughput ratio strongbox / Redis (higher is better; 1 = parity)"
plot {ratio_bars}, \
     1 with lines lw 2 lc rgb 'black' notitle
set title "server CPU time per request, ratio strongbox / Redis (lower is better)"
plot {cpu_bars}, \
     1 with lines lw 2 lc rgb 'black' notitle, \
     0.7 with lines lw 1 dt 2 lc rgb 'black' title 'issue 7 target 0.7'
unset multiplot
"""
MODE_COLOURS = {"none": "#4477aa", "everysec": "#66ccee", "always": "#ee6677"}


def bars(dat, first_col, modes):
    """gnuplot histogram columns, one per measured mode (a mode with no
    value at all would make gnuplot fail)."""
    out = []
    for i, m in enumerate(modes):
        src = f"'{dat}' using {first_col + MODES.index(m)}:xtic(1)" if i == 0 else \
              f"'' using {first_col + MODES.index(m)}"
        out.append(f"{src} title '{m}' lc rgb '{MODE_COLOURS[m]}'")
    return ", \\\n     ".join(out)


def chart(results, png, title):
    """Writes png with gnuplot; returns None or the reason it was not made."""
    gp = shutil.which("gnuplot")
    if not gp:
        return "gnuplot not found (apt-get install gnuplot-nox): no chart was made"
    cells, by = [], {}
    for (mode, wl, c, p), r in results:
        key = cell_name(wl, c, p)
        if key not in by:
            cells.append(key)
            by[key] = {}
        by[key][mode] = (r["strongbox"]["rps"] / r["redis"]["rps"],
                         r["strongbox"]["cpu_us"] / r["redis"]["cpu_us"])
    fd, dat = tempfile.mkstemp(suffix=".dat")
    with os.fdopen(fd, "w") as f:
        for key in cells:
            t = [by[key].get(m, (float("nan"),) * 2) for m in MODES]
            f.write("\t".join([key] + [f"{x[0]:.4f}" for x in t] + [f"{x[1]:.4f}" for x in t])
                    + "\n")
    try:
        modes = [m for m in MODES if any(m in v for v in by.values())]
        script = GNUPLOT.format(png=png, title=title, ratio_bars=bars(dat, 2, modes),
                                cpu_bars=bars(dat, 2 + len(MODES), modes))
        p = subprocess.run([gp], input=script, capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            return f"gnuplot failed: {p.stderr.strip()[-500:]}"
    finally:
        os.unlink(dat)
    return None


def git_rev(path):
    try:
        return subprocess.run(["git", "-C", path, "describe", "--always", "--dirty"],
                              capture_output=True, text=True, timeout=10).stdout.strip() or "?"
    except OSError:
        return "?"


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def busy_processes(own, interval=1.0):
    """Other processes using at least 5% of a CPU over `interval` seconds
    (from /proc/PID/stat), to describe the noise on a shared machine."""
    def sample():
        out = {}
        for pid in os.listdir("/proc"):
            if pid.isdigit() and int(pid) not in own:
                try:
                    with open(f"/proc/{pid}/stat") as f:
                        head, rest = f.read().rsplit(")", 1)
                    fields = rest.split()
                    out[pid] = (head.split("(", 1)[1], int(fields[11]) + int(fields[12]))
                except (OSError, IndexError, ValueError):
                    pass
        return out
    t0, s0 = time.perf_counter(), sample()
    time.sleep(interval)
    s1, el = sample(), time.perf_counter() - t0
    busy = sorted(((v[1] - s0[pid][1]) / CLK_TCK / el * 100, v[0]) for pid, v in s1.items()
                  if pid in s0)
    busy = [f"{name} {pct:.0f}%" for pct, name in reversed(busy) if pct >= 5]
    return ", ".join(busy[:8]) or "none above 5%"


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--server", default=os.path.join(HERE, "..", "..", "build", "strongbox-server"))
    ap.add_argument("--sb-args", default="",
                    help="extra strongbox-server options, e.g. \"--busy-poll 0\" (an experiment: "
                         "the report's settings line says so)")
    ap.add_argument("--quick", action="store_true",
                    help="about 2 minutes: 1 round, 0.25 s runs, 200k-key space and memory part")
    ap.add_argument("--rounds", type=int, default=None, help="A B rounds per workload (default 3)")
    ap.add_argument("--requests", type=int, default=100000,
                    help="largest request count of a -c 50 -P 1 run (x8 at -P 16, /5 at -c 1)")
    ap.add_argument("--seconds", type=float, default=None,
                    help="size each run from a pilot so the slower server takes about this long "
                         "(default 0.5; 0: always --requests)")
    ap.add_argument("--keyspace", type=int, default=None,
                    help="keys drawn by -r and preloaded (default 1000000)")
    ap.add_argument("--keys", type=int, default=None,
                    help="keys of the memory/restart part (default 1000000)")
    ap.add_argument("--10m", dest="ten_m", action="store_true",
                    help="memory/restart part with 10M keys (adds several minutes)")
    ap.add_argument("--modes", default=",".join(MODES),
                    help="comma-separated persistence modes: none,everysec,always")
    ap.add_argument("--workloads", default=",".join(ALL_WORKLOADS),
                    help="comma-separated: " + ",".join(ALL_WORKLOADS))
    ap.add_argument("--configs", default="50x1,50x16,1x1",
                    help="comma-separated CLIENTSxPIPELINE (default 50x1,50x16,1x1)")
    ap.add_argument("--no-memory", action="store_true", help="skip the memory/restart part")
    ap.add_argument("--floor", default="auto",
                    help="sb-bench-floor binary, the third server of each rotation (see above); "
                         "auto: next to --server if built there; none: no floor")
    ap.add_argument("--no-report", action="store_true",
                    help="print the table only: no file in results/, no chart")
    ap.add_argument("--output", default=os.path.join(HERE, "results"),
                    help="directory of the report and chart")
    a = ap.parse_args()
    a.rounds = a.rounds or (1 if a.quick else 3)
    if a.seconds is None:
        a.seconds = 0.25 if a.quick else 0.5
    a.keyspace = a.keyspace or (200000 if a.quick else 1000000)
    mem_keys = a.keys or (10000000 if a.ten_m else 200000 if a.quick else 1000000)
    modes = [m for m in a.modes.split(",") if m]
    wls = [w.strip() for w in a.workloads.split(",") if w.strip()]
    defs = workloads()
    for m in modes:
        if m not in MODES:
            sys.exit(f"unknown mode {m!r}: {', '.join(MODES)}")
    for w in wls:
        if w not in defs:
            sys.exit(f"unknown workload {w!r}: {', '.join(defs)}")
    try:
        configs = [tuple(int(x) for x in c.split("x")) for c in a.configs.split(",")]
    except ValueError:
        sys.exit("--configs: CLIENTSxPIPELINE,... e.g. 50x1,50x16,1x1")
    restart.check_tools(a.server)
    floor = a.floor
    if floor == "auto":
        floor = os.path.join(os.path.dirname(os.path.abspath(a.server)), "sb-bench-floor")
        if not os.access(floor, os.X_OK):
            print(f"NOTE: no {floor} (built with the tests): no floor columns", flush=True)
            floor = None
    elif floor == "none":
        floor = None
    if not a.no_report and not shutil.which("gnuplot"):
        print("NOTE: gnuplot not found (apt-get install gnuplot-nox): the report will have no chart",
              flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    t_start = time.perf_counter()
    started = datetime.datetime.now()
    load_before, busy_before = loadavg(), busy_processes({os.getpid()})
    tmp = tempfile.mkdtemp(prefix="sbsuite.")
    results = []
    chunk_cache = {}
    try:
        for mode in modes:
            pair = Pair(a.server, mode, tmp, a.sb_args.split(), floor)
            try:
                loaded = None
                # workloads needing the key space loaded with 32-byte values first
                order = sorted(wls, key=lambda w: (defs[w][0] or 32) != 32)
                pair.fsync(mode)
                for wl in order:
                    size, argv = defs[wl]
                    if size is not None and size != loaded:
                        if size not in chunk_cache:
                            chunk_cache[size] = build_chunks(a.keyspace, size)
                        pair.fsync("everysec")
                        for srv in pair.all():
                            el = load(srv.port, chunk_cache[size])
                            print(f"[{mode}] {srv.name}: loaded {a.keyspace} keys of {size} bytes "
                                  f"in {el:.1f}s", flush=True)
                        pair.fsync(mode)
                        loaded = size
                    for clients, pipeline in configs:
                        r = run_cell(pair, argv, clients, pipeline, a)
                        results.append(((mode, wl, clients, pipeline), r))
                        s, d = r["strongbox"], r["redis"]
                        print(f"[{mode}] {cell_name(wl, clients, pipeline):22} n={r['requests']:<7} "
                              f"strongbox {s['rps']:9.0f}/s redis {d['rps']:9.0f}/s "
                              f"ratio {s['rps'] / d['rps']:5.2f}  CPU us/req "
                              f"{s['cpu_us']:6.2f} vs {d['cpu_us']:6.2f} "
                              f"({s['cpu_us'] / d['cpu_us']:4.2f}x)  p99 ms {s['p99']:.3f} vs "
                              f"{d['p99']:.3f}"
                              + (f"  floor {r['floor']['cpu_us']:.2f} us/req"
                                 if "floor" in r else "")
                              + (f"  ERRORS {s['errors']}/{d['errors']}"
                                 if s["errors"] or d["errors"] else "")
                              + "  strongbox coalesce sleeps %d, contended %d, uring moves %d"
                              % r["io"], flush=True)
            finally:
                pair.close()
                shutil.rmtree(os.path.join(tmp, mode), ignore_errors=True)
        chunk_cache.clear()
        t_tp = time.perf_counter() - t_start
        mem = None
        if not a.no_memory:
            print(f"memory and restart, {mem_keys} keys", flush=True)
            mem = restart.run(a.server, mem_keys, "everysec")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    total = time.perf_counter() - t_start
    load_after = loadavg()

    ncpu, model, kernel, ram = machine()
    sbv = version([a.server, "--version"])
    rdv = version(["redis-server", "--version"])
    rbv = version(["redis-benchmark", "--version"])
    head = [
        f"- date: {started:%Y-%m-%d %H:%M}, suite run time {total / 60:.1f} min "
        f"(throughput part {t_tp / 60:.1f} min)",
        f"- machine: {ncpu} CPUs ({model}), {ram} RAM, Linux {kernel}; redis-benchmark "
        f"and both servers share these CPUs",
        f"- load average before / after: {load_before} / {load_after}; other processes' CPU "
        f"use over 1 s before the start: {busy_before}",
        f"- strongbox: {sbv} (git {git_rev(os.path.join(HERE, '..', '..'))}); Redis: {rdv}; "
        f"{rbv}",
        f"- settings: modes {', '.join(modes)} (none = appendonly no; else appendonly yes with "
        f"that appendfsync, on both); no RDB saves, automatic checkpoints and AOF rewrites off "
        f"on both" + (f"; strongbox-server also got: {a.sb_args}" if a.sb_args else ""),
        f"- workloads: 16-byte keys from a {a.keyspace}-key space (-r {a.keyspace}), "
        f"\"key:\" space preloaded (with appendfsync everysec, then CONFIG SET) so GETs hit; 32-byte values unless \"1KB\"; MSET sets 10 keys "
        f"(ops/s counts commands); FCALL/EVALSHA: a Lua transfer (2 GET + 2 SET)",
        f"- {a.rounds} round(s) of A B per workload, medians; each run sized from a pilot (n, 4n, ... requests until one lasts 60 ms; "
        f"the rate between its last two runs, without their fixed start-up cost) to "
        f"~{a.seconds} s for the slower server (cap {a.requests} requests at -c 50 -P 1); "
        f"ratio = strongbox / Redis; CPU = user+system time of all server threads per request; "
        f"kernel share = the system part of it (clock ticks, so rough on short runs): at -P 1 "
        f"it is mostly each request's own read() and write(), which both servers must make; "
        f"client CPU = user+system time of redis-benchmark per request (it shares the 2 CPUs: "
        f"where it is near 1e6 / ops/s, it is the bottleneck and sets the rate)",
        "- command: `" + " ".join(["tests/bench/suite.py"] + sys.argv[1:]) + "`",
    ]
    if floor:
        head.insert(-1, "- floor: sb-bench-floor (tests/bench/floor.c), a third server in each "
                    "rotation that answers without doing anything, with Redis's I/O pattern (one "
                    "thread, epoll, one read per readable connection, one write per connection "
                    "per loop iteration; everysec/always: one write() of the iteration's write "
                    "commands to a file, and fdatasync for always); floor/Redis CPU is the lowest "
                    "CPU ratio reachable with that pattern: below it only by doing the I/O "
                    "itself with fewer or cheaper system calls; floor/Redis ops/s is what a "
                    "server that does nothing gets against Redis with the same client")
    table = results_table(results)
    print()
    print("\n".join(head))
    print()
    print(table)
    if mem:
        print()
        print(mem[1])
        print()
        print(restart.table(mem[0]))
    if a.no_report:
        return

    os.makedirs(a.output, exist_ok=True)
    stem = f"{started:%Y-%m-%d}" + ("-quick" if a.quick else "")
    md, png = os.path.join(a.output, stem + ".md"), os.path.join(a.output, stem + ".png")
    why = chart(results, png, f"strongbox vs Redis 7.0.15, {started:%Y-%m-%d}, {ncpu} CPUs shared "
                               f"with the load generator, medians of {a.rounds}")
    with open(md + ".tmp", "w") as f:
        f.write(f"# strongbox vs Redis: benchmark suite, {started:%Y-%m-%d}\n\n")
        f.write("\n".join(head) + "\n\n")
        f.write(f"![ratios]({os.path.basename(png)})\n\n" if why is None else f"({why})\n\n")
        f.write("## Throughput, CPU and latency\n\n" + table + "\n")
        if mem:
            f.write(f"\n## Memory and restart\n\n{mem[1]}\n\n{restart.table(mem[0])}\n")
    os.replace(md + ".tmp", md)
    print()
    print(f"report: {os.path.relpath(md)}")
    print(f"chart: {os.path.relpath(png)}" if why is None else f"NO CHART: {why}")


if __name__ == "__main__":
    main()
