#!/usr/bin/env bash
# Schemathesis against the reference server: installs a pinned Schemathesis from PyPI into
# .tools/schemathesis (git-ignored), starts `serve` on a free loopback port with the demo data in
# an in-memory database, runs every check in the examples, coverage, fuzzing and stateful phases
# with a fixed seed and a bounded time (scripts/schemathesis.toml), stops the server.
# Extra arguments go to `cargo build` (for example `--locked`).
set -euo pipefail
cd "$(dirname "$0")/.."
version=4.32.5
venv=.tools/schemathesis
if [[ ! -x "$venv/bin/st" ]] || [[ "$("$venv/bin/st" --version)" != "st, version $version" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "schemathesis==$version"
fi
cargo build --quiet -p gitlab-jobs-reference "$@"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
RUST_LOG=warn "$target_dir/debug/gitlab-jobs-reference" serve --listen "127.0.0.1:$port" \
    --database sqlite::memory: >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
# Wait (at most 10 s) until the server answers.
python3 - "$port" <<'PY'
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        break
    except OSError:
        time.sleep(0.1)
PY
"$venv/bin/st" --config-file scripts/schemathesis.toml run openapi/gitlab-jobs.yaml \
    --url "http://127.0.0.1:$port/api/v4" --max-time "${SCHEMATHESIS_MAX_TIME:-180}" --no-color
