#!/usr/bin/env bash
# python-gitlab, unchanged, against the reference server on its demo data: installs a pinned
# python-gitlab from PyPI into .tools/python-gitlab (git-ignored), starts `serve` on a free
# loopback port with an in-memory database, runs scripts/python_gitlab_smoke.py, then
# scripts/python_gitlab_live.py (python-gitlab watching a job that a runner, driven with plain
# HTTP, runs), and stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
version=8.6.0
venv=.tools/python-gitlab
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c "import gitlab" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "python-gitlab==$version"
fi
cargo build --quiet -p gitlab-jobs-reference "$@"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
"$target_dir/debug/gitlab-jobs-reference" serve --listen "127.0.0.1:$port" --database sqlite::memory: \
    >/dev/null 2>&1 &
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
"$venv/bin/python" scripts/python_gitlab_smoke.py "http://127.0.0.1:$port" demo-running-job-token
"$venv/bin/python" scripts/python_gitlab_live.py "http://127.0.0.1:$port" glrt-demo-shared-runner-token
