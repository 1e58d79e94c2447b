#!/usr/bin/env bash
# make_corpus.sh SERVER -- regenerate the WAL and checkpoint seeds of
# corpus/wal and corpus/ckpt from a real strongbox-server (the RESP and
# inline seeds are written by hand). Each seed is the target's flag bytes
# (see fuzz_wal.c / fuzz_ckpt.c) followed by a file the server wrote.
#   tests/fuzz/make_corpus.sh build/strongbox-server
set -euo pipefail
server=$(realpath "$1")
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$server" --port "$port" --dir "$tmp/data" --wal-segment-size 4096 --keep-wal yes \
    --functions-dir "$tmp/nofunctions" --logfile "$tmp/log" &
pid=$!
cli() { redis-cli -p "$port" "$@" >/dev/null; }
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
cli set greeting hello
cli set counter 10 ex 1000
cli incr counter
cli append greeting ", world"
cli setrange greeting 0 H
cli mset a 1 b 2 c 3
cli del b
cli pexpire a 500000
cli persist a
cli -n 3 set "key with spaces" "$(printf 'bin\001\002\377')"
cli rename c d
cli copy d e
cli move e 5
cli function load "#!lua name=lib
redis.register_function('put', function(keys, args) return redis.call('SET', keys[1], args[1]) end)"
cli fcall put 1 fk fv
cli eval "return redis.call('SET', KEYS[1], ARGV[1])" 1 ek ev
cli script load "return 1"
printf 'MULTI\r\nSET m1 x\r\nINCRBY m2 5\r\nEXEC\r\n' | redis-cli -p "$port" >/dev/null
for i in $(seq 30); do cli set "k$i" "$(printf "%0100d" "$i")"; done # a 2nd segment
cli bgsave
sleep 1
cli set after checkpoint
cli swapdb 0 1
cli flushdb
cli shutdown nosave || true
wait $pid || true

rm -f corpus/wal/seg-* corpus/ckpt/ckpt-*
n=0
for f in "$tmp"/data/wal-*.log; do
    n=$((n + 1))
    # flags 0x24: the last segment, named after its header's first LSN;
    # 0x08 with byte 1 = first LSN - 1: the previous segment ended there
    first=$(basename "$f" .log); first=$((10#${first#wal-}))
    if [ "$first" -eq 1 ]; then flags='\x24\x00'
    else flags=$(printf '\\x2c\\x%02x' $(((first - 1) & 255))); fi
    { printf "$flags"; cat "$f"; } > "corpus/wal/seg-$n"
done
n=0
for f in "$tmp"/data/ckpt-*.sbc; do
    n=$((n + 1))
    { printf '\x00'; cat "$f"; } > "corpus/ckpt/ckpt-$n"
done
ls -l corpus/wal corpus/ckpt
