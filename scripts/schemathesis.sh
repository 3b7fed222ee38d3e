#!/usr/bin/env bash
# Schemathesis against the reference server: installs a pinned Schemathesis from PyPI into
# .tools/schemathesis (git-ignored), starts `serve` on a free loopback port with the demo data in
# an in-memory database, runs every check in the examples, coverage, fuzzing and stateful phases
# with a fixed seed and a bounded time (scripts/schemathesis.toml), stops the server.
# Extra arguments go to `cargo build` (for example `--locked`).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
version=4.32.5
venv=.tools/schemathesis
if [[ ! -x "$venv/bin/st" ]] || [[ "$("$venv/bin/st" --version)" != "st, version $version" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "schemathesis==$version"
fi
serve_demo "$@"
"$venv/bin/st" --config-file scripts/schemathesis.toml run openapi/gitlab-jobs.yaml \
    --url "http://127.0.0.1:$port/api/v4" --max-time "${SCHEMATHESIS_MAX_TIME:-180}" --no-color
