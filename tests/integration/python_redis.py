#!/usr/bin/python3
"""python3-redis scenario: a real client library against a real server.

Run with Debian's /usr/bin/python3 (it sees python3-redis):
    /usr/bin/python3 tests/integration/python_redis.py build/strongbox-server
Connects (redis-py sends CLIENT SETINFO on connect in newer versions),
pipelines, sets/gets, expires, iterates with scan_iter, checks HELLO 3,
runs MULTI/EXEC transactions (pipeline(transaction=True)) and the
WATCH / retry pattern of optimistic locking (redis-py's transaction()).
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import redis


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def transactions(r, port):
    # MULTI ... EXEC in one round trip: the replies of every command
    p = r.pipeline(transaction=True)
    p.set("tx:a", 1).incr("tx:a").get("tx:a").delete("tx:nope")
    assert p.execute() == [True, 2, "2", 0]

    # a runtime error does not stop the others (raise_on_error=False)
    r.set("tx:s", "abc")
    p = r.pipeline(transaction=True)
    p.incr("tx:s").set("tx:b", "x")
    res = p.execute(raise_on_error=False)
    assert isinstance(res[0], redis.ResponseError) and res[1] is True, res

    # a command refused while queueing aborts the whole transaction
    p = r.pipeline(transaction=True)
    p.set("tx:c", 1).execute_command("NOSUCHCOMMAND")
    try:
        p.execute()
        raise AssertionError("expected EXECABORT")
    except redis.ResponseError as e:
        assert "NOSUCHCOMMAND" in str(e) or "EXECABORT" in str(e), str(e)
    assert r.get("tx:c") is None

    # WATCH / MULTI / EXEC with retry: concurrent increments of one
    # counter by check-and-set never lose an update
    other = redis.Redis(host="127.0.0.1", port=port, decode_responses=True)
    r.set("tx:counter", 0)
    retries = [0]

    def bump(pipe):
        v = int(pipe.get("tx:counter"))
        if retries[0] == 0 and v == 5:
            other.incr("tx:counter")  # a write between WATCH and EXEC
        pipe.multi()
        pipe.set("tx:counter", v + 1)

    for _ in range(10):
        try:
            r.transaction(bump, "tx:counter")
        except redis.WatchError:
            raise AssertionError("transaction() retries by itself")
    assert r.get("tx:counter") == "11", r.get("tx:counter")

    # an explicit WatchError when a watched key changes
    with r.pipeline() as pipe:
        pipe.watch("tx:counter")
        other.set("tx:counter", 100)
        pipe.multi()
        pipe.set("tx:counter", 0)
        try:
            pipe.execute()
            raise AssertionError("expected WatchError")
        except redis.WatchError:
            retries[0] += 1
    assert r.get("tx:counter") == "100"
    other.close()


def main():
    server = sys.argv[1]
    datadir = tempfile.mkdtemp(prefix="sbpy.")
    port = free_port()
    log = open(os.path.join(datadir, "server.log"), "w")
    proc = subprocess.Popen([server, "--port", str(port), "--dir", datadir,
                             "--min-free-disk", "0"],
                            stdout=log, stderr=log)
    try:
        r = redis.Redis(host="127.0.0.1", port=port, decode_responses=True)
        deadline = time.time() + 10
        while True:
            try:
                assert r.ping() is True
                break
            except redis.ConnectionError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)

        # CLIENT SETINFO is what newer redis-py sends on connect: tolerated.
        assert r.execute_command("CLIENT", "SETINFO", "LIB-NAME", "redis-py") == "OK"
        assert r.execute_command("CLIENT", "SETINFO", "LIB-VER", "4.3.4") == "OK"
        info = r.execute_command("CLIENT", "INFO")
        assert "lib-name=redis-py" in info, info

        assert r.set("greeting", "hello") is True
        assert r.get("greeting") == "hello"
        assert r.set("greeting", "x", nx=True) is None
        assert r.incr("counter") == 1
        assert r.incrby("counter", 41) == 42
        assert abs(r.incrbyfloat("f", 1.5) - 1.5) < 1e-9

        pipe = r.pipeline(transaction=False)
        for i in range(1000):
            pipe.set(f"key:{i}", i)
        for i in range(1000):
            pipe.get(f"key:{i}")
        res = pipe.execute()
        assert res[:1000] == [True] * 1000
        assert res[1000:] == [str(i) for i in range(1000)]

        assert r.expire("greeting", 100) is True
        ttl = r.ttl("greeting")
        assert 98 <= ttl <= 100, ttl
        assert r.pexpire("greeting", 50) is True
        time.sleep(0.2)
        assert r.get("greeting") is None
        assert r.exists("greeting") == 0

        keys = set(r.scan_iter(match="key:*", count=100))
        assert keys == {f"key:{i}" for i in range(1000)}, len(keys)
        assert r.dbsize() == 1002  # key:0..999, counter, f

        # INFO commandstats and errorstats, parsed by redis-py into dicts
        cs = r.info("commandstats")
        assert cs["cmdstat_set"]["calls"] >= 1001, cs["cmdstat_set"]
        assert cs["cmdstat_get"]["calls"] >= 1002 and cs["cmdstat_get"]["failed_calls"] == 0, cs
        assert "cmdstat_client|setinfo" in cs, sorted(cs)
        try:
            r.set("nan", "x")
            r.incr("nan")
        except redis.ResponseError:
            pass
        # ("count=N" has no comma: redis-py leaves it a string, as with Redis)
        err = r.info("errorstats")["errorstat_ERR"]
        assert err.startswith("count=") and int(err[6:]) >= 1, err
        # INFO latencystats: "p50=..,p99=..,p99.9=.." parsed into a dict
        lat = r.info("latencystats")["latency_percentiles_usec_get"]
        assert set(lat) == {"p50", "p99", "p99.9"}, lat
        assert 0 <= lat["p50"] <= lat["p99"] <= lat["p99.9"], lat

        assert r.mset({"a": "1", "b": "2"}) is True
        assert r.mget(["a", "b", "nope"]) == ["1", "2", None]
        assert r.delete("a", "b", "nope") == 2
        assert r.type("counter") == "string"

        # RESP3 via HELLO 3 on a raw connection through redis-py's parser is
        # version dependent; check the handshake reply shape instead.
        hello = r.execute_command("HELLO", "2")
        assert hello[0] == "server" and hello[1] == "redis", hello

        try:
            r.execute_command("NOSUCHCOMMAND")
            raise AssertionError("expected an error")
        except redis.ResponseError as e:
            assert str(e).startswith("unknown command 'NOSUCHCOMMAND'"), str(e)

        # Lua: the shipped bank library (functions-dir defaults to the
        # scripts folder next to the binary), function_load, fcall,
        # register_script (EVALSHA, falling back to EVAL)
        libs = {dict(zip(l[::2], l[1::2]))["library_name"] for l in r.function_list()}
        assert "bank" in libs, libs
        assert r.fcall("deposit", 1, "acct:a", 100) == 100
        assert r.fcall("transfer", 2, "acct:a", "acct:b", 30) == [70, 30]
        assert r.fcall_ro("total", 2, "acct:a", "acct:b") == 100
        try:
            r.fcall("debit", 1, "acct:b", 31)
            raise AssertionError("expected insufficient funds")
        except redis.ResponseError as e:
            assert str(e) == "insufficient funds", str(e)
        assert r.get("acct:b") == "30"
        code = "#!lua name=pylib\nredis.register_function('hello', " \
               "function(keys, args) return 'hello ' .. args[1] end)"
        assert r.function_load(code) == "pylib"
        assert r.fcall("hello", 0, "py") == "hello py"
        assert r.function_delete("pylib") in ("OK", True)
        incr_by = r.register_script(
            "return redis.call('INCRBY', KEYS[1], ARGV[1])")
        assert incr_by(keys=["scripted"], args=[5]) == 5
        r.script_flush()
        assert incr_by(keys=["scripted"], args=[5]) == 10  # EVALSHA -> NOSCRIPT -> EVAL
        try:
            r.eval("error('boom')", 0)
            raise AssertionError("expected a script error")
        except redis.ResponseError as e:
            assert "boom" in str(e), str(e)

        transactions(r, port)

        r.flushall()
        assert r.dbsize() == 0
        print("ok")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(datadir, ignore_errors=True)


if __name__ == "__main__":
    main()
