#!/usr/bin/env bash
# python-gitlab, unchanged, against the reference server on its demo data: installs a pinned
# python-gitlab from PyPI into .tools/python-gitlab (git-ignored), starts `serve` on a free
# loopback port with an in-memory database, runs scripts/python_gitlab_smoke.py, stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
version=8.6.0
venv=.tools/python-gitlab
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c "import gitlab" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "python-gitlab==$version"
fi
serve_demo "$@"
"$venv/bin/python" scripts/python_gitlab_smoke.py "http://127.0.0.1:$port" demo-running-job-token
