#!/usr/bin/python3
"""Memory, checkpoint and restart benchmark: strongbox-server vs redis-server
(not a test: figures are reported, nothing is asserted).

Both servers run side by side with the WAL/AOF on (appendonly yes,
appendfsync everysec by default), each in its own temporary directory on a
free loopback port. The same N keys (16-byte keys "key:%012d", the pattern
redis-benchmark's -r uses, and random 32-byte base64 values, which Redis's
LZF cannot shrink, so the sizes on disk compare like with like) are loaded
into each with pipelined raw RESP over a socket, so exactly N distinct keys
exist. Then:

1. Memory after load: VmRSS (/proc/PID/status) after the load minus VmRSS
   of the empty server right after start, per key.
2. Peak memory during a checkpoint under write load: redis-benchmark
   (-r N -P 32 -c 4) overwrites random existing keys the whole time with
   32-byte values made of two random 12-digit numbers (see WRITER_VALUE).
   strongbox: BGSAVE, VmRSS sampled every 10 ms until
   rdb_bgsave_in_progress:0. redis: BGREWRITEAOF, Pss of the parent plus
   the forked child (/proc/PID/smaps_rollup) sampled every 10 ms until
   aof_rewrite_in_progress:0. "steady" is the median of the samples taken
   in the second before the trigger, "peak" the largest sample after it.
3. Restart time: strongbox is stopped with SIGTERM (it writes a final
   checkpoint, not counted); redis gets BGREWRITEAOF (RDB preamble) and
   SHUTDOWN. Each is started again on the same directory and timed from
   exec until PING answers PONG (not -LOADING); stopped and started twice
   more, alternately (strongbox SIGTERM, Redis SHUTDOWN); the median of
   the three counts. DBSIZE is checked after.

Automatic checkpoints (strongbox auto-checkpoint-percentage 0) and automatic
AOF rewrites (redis auto-aof-rewrite-percentage 0) are off on both, so only
the checkpoints triggered here run while memory is measured.

    tests/bench/restart.py [--server build/strongbox-server] [--keys 1000000]
                           [--quick] [--appendfsync everysec|always]
"""
import argparse
import base64
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

KEY_FMT = b"key:%012d"      # 16 bytes for any N < 10**12
VAL_FMT = b"%s"             # 32 random base64 bytes
# The writer's SET value: redis-benchmark replaces every __rand_int__ with its
# own random 12-digit number (< N), so values differ and stay 32 bytes.
WRITER_VALUE = "__rand_int__:__rand_int__:sbench"
RESTARTS = 3                     # restarts of each server; the median counts
assert len(WRITER_VALUE.replace("__rand_int__", "0" * 12)) == 32
CHUNK = 20000               # SET commands per pipelined write


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---------------------------------------------------------------- RESP client

class Conn:
    """A minimal blocking RESP2 client over a raw socket."""

    def __init__(self, port, timeout=60):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()

    def close(self):
        self.s.close()

    def _fill(self):
        d = self.s.recv(1 << 20)
        if not d:
            raise ConnectionError("connection closed by server")
        self.buf += d

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 2]
                return line
            self._fill()

    def read_reply(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            return RuntimeError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            data = bytes(self.buf[:n])
            del self.buf[:n + 2]
            return data.decode()
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.read_reply() for _ in range(n)]
        raise RuntimeError(f"bad reply line {line!r}")

    def send(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.s.sendall(b"".join(out))

    def call(self, *args):
        self.send(*args)
        r = self.read_reply()
        if isinstance(r, RuntimeError):
            raise r
        return r

    def info(self, section):
        out = {}
        for line in self.call("INFO", section).splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                out[k] = v
        return out

    def read_oks(self, count):
        """Read `count` one-line replies; all must be +OK."""
        data = bytearray(self.buf)
        self.buf = bytearray()
        lines = data.count(b"\n")
        while lines < count:
            d = self.s.recv(1 << 20)
            if not d:
                raise ConnectionError("connection closed by server")
            lines += d.count(b"\n")
            data += d
        if data[:5 * count] != b"+OK\r\n" * count:
            bad = next(l for l in bytes(data).split(b"\r\n") if l != b"+OK")
            raise RuntimeError(f"load: unexpected reply {bad[:200]!r}")
        self.buf = data[5 * count:]       # replies of the next chunk


def build_chunks(n):
    cmd = b"*3\r\n$3\r\nSET\r\n$16\r\n" + KEY_FMT + b"\r\n$32\r\n" + VAL_FMT + b"\r\n"
    vals = base64.b64encode(os.urandom(24 * n))          # 32 bytes per key
    return [(min(n, s + CHUNK) - s,
             b"".join(cmd % (i, vals[32 * i:32 * i + 32]) for i in range(s, min(n, s + CHUNK))))
            for s in range(0, n, CHUNK)]


def load(port, chunks):
    """Send every chunk, keeping one chunk's replies in flight."""
    c = Conn(port)
    t0 = time.perf_counter()
    pending = None
    for count, data in chunks:
        c.s.sendall(data)
        if pending:
            c.read_oks(pending)
        pending = count
    if pending:
        c.read_oks(pending)
    el = time.perf_counter() - t0
    c.close()
    return el


# ---------------------------------------------------------------- /proc

def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass            # a child that just exited
    return 0


def children(pid):
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    out += [int(x) for x in f.read().split()]
            except FileNotFoundError:
                pass
    except FileNotFoundError:
        pass
    return out


def pss_tree_kb(pid):
    return pss_kb(pid) + sum(pss_kb(c) for c in children(pid))


class Sampler(threading.Thread):
    """Calls fn() every `period` seconds, keeping (time, value) samples."""

    def __init__(self, fn, period=0.010):
        super().__init__(daemon=True)
        self.fn, self.period = fn, period
        self.samples = []
        self.stop_ev = threading.Event()

    def run(self):
        nxt = time.perf_counter()
        while not self.stop_ev.is_set():
            self.samples.append((time.perf_counter(), self.fn()))
            nxt += self.period
            d = nxt - time.perf_counter()
            if d > 0:
                time.sleep(d)
            else:
                nxt = time.perf_counter()

    def stop(self):
        self.stop_ev.set()
        self.join()


def dir_size(path, pred=lambda name: True):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            if pred(f):
                try:
                    total += os.path.getsize(os.path.join(root, f))
                except FileNotFoundError:
                    pass
    return total


# ---------------------------------------------------------------- processes

class Server:
    def __init__(self, name, cmd, port, log_path, procs):
        self.name, self.cmd, self.port, self.log_path, self.procs = name, cmd, port, log_path, procs
        self.p = None

    def spawn(self):
        log = open(self.log_path, "ab")
        self.p = subprocess.Popen(self.cmd, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        self.procs.append(self.p)
        return self.p

    def log_tail(self, n=15):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def wait_pong(self, timeout=300):
        """Poll until PING gets +PONG (not -LOADING, not refused)."""
        deadline = time.perf_counter() + timeout
        c = None
        while time.perf_counter() < deadline:
            if self.p.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.p.returncode}:\n{self.log_tail()}")
            try:
                if c is None:
                    c = Conn(self.port, timeout=timeout)
                c.send("PING")
                r = c.read_reply()
                if r == "PONG":
                    c.close()
                    return
                if not (isinstance(r, RuntimeError) and str(r).startswith("LOADING")):
                    raise RuntimeError(f"{self.name}: PING answered {r!r}")
            except (ConnectionRefusedError, ConnectionResetError, ConnectionError):
                if c:
                    c.close()
                c = None
            time.sleep(0.001)
        raise RuntimeError(f"{self.name} did not answer PONG within {timeout}s:\n{self.log_tail()}")

    def start(self):
        t0 = time.perf_counter()
        self.spawn()
        self.wait_pong()
        return time.perf_counter() - t0

    def wait_exit(self, timeout=300):
        t0 = time.perf_counter()
        self.p.wait(timeout=timeout)
        return time.perf_counter() - t0


def redis_shutdown(rd):
    """SHUTDOWN (it closes the connection) and wait; returns the seconds."""
    c = Conn(rd.port)
    t0 = time.perf_counter()
    c.send("SHUTDOWN")
    try:
        r = c.read_reply()
        if isinstance(r, RuntimeError):
            raise r
    except (ConnectionError, OSError):
        pass                            # SHUTDOWN closes the connection
    c.close()
    rd.p.wait(timeout=300)
    return time.perf_counter() - t0


def kill_all(procs):
    # Data is thrown away with the temp dir: SIGKILL, no final checkpoint.
    for p in procs:
        if p.poll() is None:
            try:
                p.kill()
            except ProcessLookupError:
                pass
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


def wait_info(conn, key, timeout=600):
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        inf = conn.info("persistence")
        if inf.get(key) == "0" and inf.get("aof_rewrite_scheduled", "0") == "0":
            return inf
        time.sleep(0.02)
    raise RuntimeError(f"{key} still 1 after {timeout}s")


def start_writer(port, n, procs):
    p = subprocess.Popen(["redis-benchmark", "-p", str(port), "-r", str(n), "-n", "2000000000",
                          "-P", "32", "-c", "4", "-q", "SET", "key:__rand_int__", WRITER_VALUE],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL)
    procs.append(p)
    return p


def checkpoint_under_load(srv, n, measure, trigger, flag, procs, steady_s=1.0):
    """Returns (steady_kb, peak_kb, duration_s, writer ops/s during, writer ops/s before)."""
    c = Conn(srv.port)
    writer = start_writer(srv.port, n, procs)
    sampler = Sampler(lambda: measure(srv.p.pid))
    try:
        time.sleep(0.5)                     # let the writer ramp up
        sampler.start()
        cmds_a, ta = int(c.info("stats")["total_commands_processed"]), time.perf_counter()
        time.sleep(steady_s)
        cmds0 = int(c.info("stats")["total_commands_processed"])
        t0 = time.perf_counter()
        reply = c.call(trigger)
        if "started" not in reply and "scheduled" not in reply:
            raise RuntimeError(f"{srv.name} {trigger}: {reply}")
        inf = wait_info(c, flag)
        t1 = time.perf_counter()
        cmds1 = int(c.info("stats")["total_commands_processed"])
        time.sleep(0.05)
        sampler.stop()
        if writer.poll() is not None:
            raise RuntimeError(f"writer against {srv.name} exited early ({writer.returncode})")
    finally:
        if sampler.is_alive():
            sampler.stop()
        writer.kill()
        writer.wait()
        c.close()
    status = inf.get("rdb_last_bgsave_status") if flag.startswith("rdb") else \
        inf.get("aof_last_bgrewrite_status")
    if status != "ok":
        raise RuntimeError(f"{srv.name} {trigger} status {status}")
    steady = statistics.median(v for t, v in sampler.samples if t < t0)
    peak = max(v for t, v in sampler.samples if t >= t0)
    return steady, peak, t1 - t0, (cmds1 - cmds0) / (t1 - t0), (cmds0 - cmds_a) / (t0 - ta)


def ratio(x, y):
    return x / y if y else "–"


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(f.readline().split()[1]) / 1048576:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return len(os.sched_getaffinity(0)), model, platform.release(), mem  # = nproc


def version(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def run(server, n, appendfsync="everysec"):
    """Loads n keys into both servers, measures memory, a checkpoint under
    write load and a restart. Returns (rows, settings): rows are
    (metric, strongbox, redis, ratio) tuples, settings a one-line description."""
    t_start = time.perf_counter()
    tmp = tempfile.mkdtemp(prefix="sbrestart.")
    procs = []
    sbdir, rddir = os.path.join(tmp, "sb"), os.path.join(tmp, "rd")
    os.makedirs(sbdir)
    os.makedirs(rddir)
    sp, rp = free_port(), free_port()
    sb = Server("strongbox", [server, "--port", str(sp), "--dir", sbdir,
                              "--appendonly", "yes", "--appendfsync", appendfsync,
                              "--save", "", "--auto-checkpoint-percentage", "0",
                              "--min-free-disk", "0"],
                sp, os.path.join(tmp, "sb.log"), procs)
    rd = Server("redis", ["redis-server", "--port", str(rp), "--bind", "127.0.0.1",
                          "--dir", rddir, "--daemonize", "no", "--save", "",
                          "--appendonly", "yes", "--appendfsync", appendfsync,
                          "--aof-use-rdb-preamble", "yes", "--auto-aof-rewrite-percentage", "0"],
                rp, os.path.join(tmp, "rd.log"), procs)
    R = {"sb": {}, "rd": {}}
    try:
        print(f"keys {n}, appendfsync {appendfsync}, temp dir {tmp}", flush=True)
        sb.start()
        rd.start()
        time.sleep(0.2)
        R["sb"]["rss0"], R["rd"]["rss0"] = rss_kb(sb.p.pid), rss_kb(rd.p.pid)

        # ---- 1. load and RSS
        t0 = time.perf_counter()
        chunks = build_chunks(n)
        print(f"built {len(chunks)} RESP chunks in {time.perf_counter() - t0:.1f}s", flush=True)
        for k, srv in (("sb", sb), ("rd", rd)):
            el = load(srv.port, chunks)
            c = Conn(srv.port)
            size = c.call("DBSIZE")
            c.close()
            if size != n:
                raise RuntimeError(f"{srv.name}: DBSIZE {size} after loading {n} keys")
            R[k]["load_s"] = el
            print(f"{srv.name}: loaded {n} keys in {el:.2f}s ({n / el:.0f} keys/s)", flush=True)
        del chunks
        time.sleep(0.5)
        for k, srv in (("sb", sb), ("rd", rd)):
            R[k]["rss"] = rss_kb(srv.p.pid)
            R[k]["per_key"] = (R[k]["rss"] - R[k]["rss0"]) * 1024 / n
            print(f"{srv.name}: RSS {R[k]['rss0'] / 1024:.1f} MiB empty -> "
                  f"{R[k]['rss'] / 1024:.1f} MiB loaded, {R[k]['per_key']:.1f} B/key", flush=True)

        # ---- 2. peak memory during a checkpoint under write load
        for k, srv, meas, trig, flag in (("sb", sb, rss_kb, "BGSAVE", "rdb_bgsave_in_progress"),
                                         ("rd", rd, pss_tree_kb, "BGREWRITEAOF",
                                          "aof_rewrite_in_progress")):
            st, pk, dur, ops, ops0 = checkpoint_under_load(srv, n, meas, trig, flag, procs)
            R[k].update(steady=st, peak=pk, ckpt_s=dur, ckpt_ops=ops, pre_ops=ops0)
            print(f"{srv.name}: {trig} under load took {dur:.2f}s (writer {ops0:.0f} ops/s "
                  f"before, {ops:.0f} ops/s during): "
                  f"steady {st / 1024:.1f} MiB, peak {pk / 1024:.1f} MiB, "
                  f"peak/steady {pk / st:.2f}", flush=True)

        # ---- 3. restart time
        sb.p.send_signal(signal.SIGTERM)
        R["sb"]["stop_s"] = sb.wait_exit()
        if sb.p.returncode != 0:
            raise RuntimeError(f"strongbox exited with {sb.p.returncode}:\n{sb.log_tail()}")
        R["sb"]["disk"] = dir_size(sbdir)
        R["sb"]["disk_detail"] = (dir_size(sbdir, lambda f: f.endswith(".sbc")),
                                  dir_size(sbdir, lambda f: f.startswith("wal-")))
        times = {"sb": [sb.start()], "rd": []}

        c = Conn(rd.port)
        t0 = time.perf_counter()
        c.call("BGREWRITEAOF")
        wait_info(c, "aof_rewrite_in_progress")
        c.close()
        R["rd"]["rewrite_s"] = time.perf_counter() - t0
        R["rd"]["stop_s"] = redis_shutdown(rd)
        R["rd"]["disk"] = dir_size(rddir)
        times["rd"].append(rd.start())
        # a single start moves by +-50% on this shared host: the median of
        # RESTARTS, alternating (the files are the same each time: nothing
        # is written in between; strongbox's stop rewrites the checkpoint
        # of the same data, Redis's keeps its AOF)
        for _ in range(RESTARTS - 1):
            sb.p.send_signal(signal.SIGTERM)
            sb.wait_exit()
            times["sb"].append(sb.start())
            redis_shutdown(rd)
            times["rd"].append(rd.start())
        for k in ("sb", "rd"):
            R[k]["restart_s"] = statistics.median(times[k])
            R[k]["restarts"] = times[k]

        for k, srv in (("sb", sb), ("rd", rd)):
            c = Conn(srv.port)
            size = c.call("DBSIZE")
            c.close()
            if size != n:
                raise RuntimeError(f"{srv.name}: DBSIZE {size} after restart, expected {n}")
            print(f"{srv.name}: stop {R[k]['stop_s']:.2f}s, {R[k]['disk'] / 1048576:.1f} MiB on "
                  f"disk, restart to PONG {R[k]['restart_s']:.3f}s (median of "
                  f"{', '.join(f'{t:.3f}' for t in R[k]['restarts'])}), DBSIZE {size}", flush=True)
    finally:
        kill_all(procs)
        shutil.rmtree(tmp, ignore_errors=True)

    s, r = R["sb"], R["rd"]
    mib = lambda kb: f"{kb / 1024:.1f}"
    rows = [
        ("load N keys, pipelined (s)", f"{s['load_s']:.2f}", f"{r['load_s']:.2f}",
         ratio(s["load_s"], r["load_s"])),
        ("RSS empty (MiB)", mib(s["rss0"]), mib(r["rss0"]), ratio(s["rss0"], r["rss0"])),
        ("RSS after load (MiB)", mib(s["rss"]), mib(r["rss"]), ratio(s["rss"], r["rss"])),
        ("RSS per key (bytes)", f"{s['per_key']:.1f}", f"{r['per_key']:.1f}",
         ratio(s["per_key"], r["per_key"])),
        ("steady memory under writes (MiB; sb RSS, redis PSS)", mib(s["steady"]),
         mib(r["steady"]), ratio(s["steady"], r["steady"])),
        ("peak during BGSAVE / BGREWRITEAOF (MiB; redis parent+child PSS)", mib(s["peak"]),
         mib(r["peak"]), ratio(s["peak"], r["peak"])),
        ("**peak/steady**", f"{s['peak'] / s['steady']:.2f}", f"{r['peak'] / r['steady']:.2f}",
         ratio(s["peak"] / s["steady"], r["peak"] / r["steady"])),
        ("checkpoint / AOF rewrite under writes (s)", f"{s['ckpt_s']:.2f}", f"{r['ckpt_s']:.2f}",
         ratio(s["ckpt_s"], r["ckpt_s"])),
        ("writer throughput before the trigger (ops/s)", f"{s['pre_ops']:.0f}",
         f"{r['pre_ops']:.0f}", ratio(s["pre_ops"], r["pre_ops"])),
        ("writer throughput during it (ops/s)", f"{s['ckpt_ops']:.0f}", f"{r['ckpt_ops']:.0f}",
         ratio(s["ckpt_ops"], r["ckpt_ops"])),
        ("stop: SIGTERM+final checkpoint / SHUTDOWN (s, not counted)", f"{s['stop_s']:.2f}",
         f"{r['stop_s']:.2f}", "–"),
        ("on disk at restart (MiB; sb checkpoint+WAL, redis appendonlydir)",
         f"{s['disk'] / 1048576:.1f}", f"{r['disk'] / 1048576:.1f}", ratio(s["disk"], r["disk"])),
        (f"**restart: exec to PONG (s; median of {RESTARTS})**", f"{s['restart_s']:.3f}",
         f"{r['restart_s']:.3f}",
         ratio(s["restart_s"], r["restart_s"])),
    ]
    settings = (f"keys: {n} (16-byte keys, 32-byte values), appendonly yes, appendfsync {appendfsync}; "
                f"writer: redis-benchmark -r {n} -P 32 -c 4 SET key:__rand_int__ {WRITER_VALUE}; "
                f"strongbox on disk: checkpoint {s['disk_detail'][0] / 1048576:.1f} MiB + "
                f"WAL {s['disk_detail'][1] / 1048576:.1f} MiB; total run {time.perf_counter() - t_start:.0f}s")
    return rows, settings


def table(rows):
    out = ["| metric | strongbox | redis | strongbox/redis |", "|---|---|---|---|"]
    for name, sv, rv, q in rows:
        out.append(f"| {name} | {sv} | {rv} | {q if isinstance(q, str) else f'{q:.2f}'} |")
    return "\n".join(out)


def check_tools(server):
    """Exits with what to install if redis or the strongbox build is missing."""
    for tool in ("redis-server", "redis-benchmark"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found: apt-get install redis-server redis-tools")
    if not os.access(server, os.X_OK):
        sys.exit(f"{server} not found: cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && "
                 "cmake --build build -j2")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--server", default=os.path.join(here, "..", "..", "build", "strongbox-server"))
    ap.add_argument("--keys", type=int, default=None, help="number of keys (default 1000000)")
    ap.add_argument("--quick", action="store_true", help="200000 keys")
    ap.add_argument("--appendfsync", default="everysec", choices=["everysec", "always"],
                    help="appendfsync of both servers")
    a = ap.parse_args()
    n = a.keys if a.keys is not None else (200000 if a.quick else 1000000)
    if not 1 <= n < 10 ** 12:
        sys.exit("--keys must be between 1 and 10**12-1")
    check_tools(a.server)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    rows, settings = run(a.server, n, a.appendfsync)
    ncpu, model, kernel, mem = machine()
    print()
    print(f"machine: {ncpu} CPUs, {model}, Linux {kernel}, {mem} RAM")
    print(f"strongbox: {version([a.server, '--version'])}")
    print(f"redis: {version(['redis-server', '--version'])}")
    print(settings)
    print()
    print(table(rows))


if __name__ == "__main__":
    main()
