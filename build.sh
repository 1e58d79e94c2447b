#!/usr/bin/env bash
# build.sh -- the two commands of the README.
#
#   ./build.sh run    install missing Debian packages, build (Release) and
#                     start strongbox-server on 127.0.0.1:6379, data in ./data
#   ./build.sh test   install missing Debian packages (and tests/node's npm
#                     packages), build, and run the whole
#                     test suite: a Release build, then an ASan+UBSan build,
#                     both under ctest, and a clang -Wall -Wextra -Werror build;
#                     with CI=true (or SB_FUZZ_SECONDS=N) also every libFuzzer
#                     target of tests/fuzz for 60 s (N s) each
#
# Extra arguments after `run` go to strongbox-server (e.g. --port 7000).
set -euo pipefail
cd "$(dirname "$0")"

RUNTIME_PKGS="cmake make gcc pkg-config libuv1-dev liblua5.4-dev lua-cjson-dev libssl-dev libisal-dev liburing-dev"
TEST_PKGS="libhiredis-dev redis-tools redis-server python3-redis clang libclang-rt-14-dev"

install_deps() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# ioredis and node-redis for tests/node: Node.js and npm (Debian's where the
# machine has none), then the locked versions from the npm registry.
install_node_deps() {
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        install_deps nodejs npm
    fi
    (cd tests/node && npm ci --no-audit --no-fund --loglevel=error)
}

build() { # dir, extra cmake args...
    local dir=$1; shift
    cmake -S . -B "$dir" "$@" >/dev/null
    cmake --build "$dir" -j"$(nproc)"
}

case "${1:-}" in
run)
    shift
    install_deps $RUNTIME_PKGS
    build build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF
    exec ./build/strongbox-server --bind 127.0.0.1 --port 6379 --dir ./data "$@"
    ;;
test)
    install_deps $RUNTIME_PKGS $TEST_PKGS
    install_node_deps
    echo "== Release build + tests"
    build build -DCMAKE_BUILD_TYPE=Release
    ctest --test-dir build --output-on-failure -j2
    echo "== ASan+UBSan build + tests"
    build build-asan -DCMAKE_BUILD_TYPE=Debug -DSB_SANITIZE=ON
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir build-asan --output-on-failure -j2
    echo "== clang -Wall -Wextra -Werror"
    CC=clang build build-clang -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS=-Werror
    if [ "${CI:-}" = true ] || [ -n "${SB_FUZZ_SECONDS:-}" ]; then
        echo "== libFuzzer targets, ${SB_FUZZ_SECONDS:-60} s each"
        tests/fuzz/run.sh "${SB_FUZZ_SECONDS:-60}"
    fi
    echo "all tests passed"
    ;;
*)
    echo "usage: $0 run [strongbox-server options] | test" >&2
    exit 2
    ;;
esac
