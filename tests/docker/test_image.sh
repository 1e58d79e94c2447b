#!/usr/bin/env bash
# test_image.sh -- opt-in check of docker/Dockerfile (takes minutes; not in
# the default CI run). With no Docker engine on the machine, it builds the
# image with podman (chroot isolation) from a local Debian base made by
# ../shared/tools/container-base.sh (or an existing debian:bookworm-slim),
# then runs the image's own files by chroot:
#   - the entrypoint starts the server (listening on 127.0.0.1 here), the
#     healthcheck passes, PING answers, the shipped bank library is loaded;
#   - data written before a stop is there after a restart;
#   - strongbox-check in the image verifies the data directory;
#   - the runtime stage has no compiler and runs as a non-root user;
#   - the server in it does client I/O through io_uring (liburing2).
#
#   tests/docker/test_image.sh            # from the repository root, as root
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
base=../shared/tools/container-base.sh
if ! podman image exists docker.io/library/debian:bookworm-slim 2>/dev/null; then
    [ -x "$base" ] || { echo "no debian:bookworm-slim image and no $base" >&2; exit 1; }
    bash "$base"
fi
tag=strongbox:test
podman build --isolation=chroot --pull=never -f docker/Dockerfile -t "$tag" . >/tmp/strongbox-image-build.log 2>&1 ||
    { tail -30 /tmp/strongbox-image-build.log; exit 1; }

cid=$(podman create "$tag")
mnt=$(podman mount "$cid")
cleanup() {
    set +e
    [ -n "${srv:-}" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
    umount "$mnt/proc" "$mnt/dev" 2>/dev/null
    podman umount "$cid" >/dev/null
    podman rm "$cid" >/dev/null
}
trap cleanup EXIT
mount --bind /dev "$mnt/dev"
mount -t proc proc "$mnt/proc"

fail() { echo "FAIL: $*" >&2; exit 1; }
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cli() { redis-cli -p "$port" "$@"; }
start() {
    chroot "$mnt" /usr/local/bin/entrypoint.sh --port "$port" --bind 127.0.0.1 \
        --logfile /data/server.log &
    srv=$!
    for _ in $(seq 100); do
        [ "$(cli ping 2>/dev/null)" = PONG ] && return 0
        sleep 0.1
    done
    tail -20 "$mnt/data/server.log" >&2
    fail "the server in the image did not answer PING"
}
stop() { cli shutdown >/dev/null 2>&1 || true; wait "$srv" || true; srv=; }

[ ! -e "$mnt/usr/bin/gcc" ] || fail "the runtime image contains a compiler"
grep -q '^strongbox:x:999:' "$mnt/etc/passwd" || fail "no strongbox user in the image"
podman image inspect --format '{{.Config.User}}' "$tag" | grep -qx strongbox ||
    fail "the image does not run as the strongbox user"

start
STRONGBOX_PORT=$port chroot "$mnt" /usr/local/bin/healthcheck.sh || fail "healthcheck"
# built with liburing and shipped with liburing2: client I/O through
# io_uring (a chroot has no seccomp profile; Docker's default one refuses
# io_uring, and then the log says so and epoll is used)
api=$(cli info server | tr -d '\r' | sed -n 's/^multiplexing_api://p')
[ "$api" = io_uring ] || fail "multiplexing_api is '$api', not io_uring: $(grep -h io_uring "$mnt/data/server.log")"
cli set kept-across-restart yes >/dev/null
[ "$(cli fcall deposit 1 acct:docker 42)" = 42 ] || fail "bank library not loaded"
stop
start
[ "$(cli get kept-across-restart)" = yes ] || fail "data lost across a restart"
[ "$(cli fcall_ro balance 1 acct:docker)" = 42 ] || fail "function data lost"
stop
chroot "$mnt" /usr/local/bin/strongbox-check verify /data --quiet || fail "strongbox-check verify"
size=$(podman image inspect --format '{{.Size}}' "$tag")
echo "ok: image $tag, $((size / 1024 / 1024)) MiB"
