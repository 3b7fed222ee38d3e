# Shared by the scripts (sourced after `set -euo pipefail`): stopping with a message, running
# the package manager as root, and the reference server for the client-driven checks.

# die MESSAGE: says it in the calling script's name, then stops.
die() {
    echo "scripts/$(basename "$0"): $*" >&2
    exit 1
}

# as_root WHY COMMAND...: runs COMMAND as root, directly or through sudo; without either,
# stops with WHY (what needs root, and the command to run by hand).
as_root() {
    local why="$1"
    shift
    if [[ "$(id -u)" -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "$why"
    fi
}

# serve_demo CARGO_BUILD_ARGS...: builds the reference server, starts `serve` with the demo
# data in an in-memory database on a free loopback port (in $port), stops it when the script
# exits, and waits (at most 10 s) until it answers.
serve_demo() {
    cargo build --quiet -p gitlab-jobs-reference "$@"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    local target_dir
    target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
    RUST_LOG=warn "$target_dir/debug/gitlab-jobs-reference" serve --listen "127.0.0.1:$port" \
        --database sqlite::memory: >/dev/null 2>&1 &
    server=$!
    trap 'kill $server 2>/dev/null || true' EXIT
    python3 - "$port" <<'PY'
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        break
    except OSError:
        time.sleep(0.1)
PY
}
