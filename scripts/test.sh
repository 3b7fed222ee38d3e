#!/usr/bin/env bash
# Every test of the workspace, on both stores: starts a private PostgreSQL cluster (installing
# PostgreSQL from Debian's packages when it is missing, see scripts/postgres.sh), runs
# `cargo test --workspace` (SQLite and PostgreSQL suites side by side, and the API
# documentation page in headless Chromium, installed by scripts/chromium.sh), runs the end-to-end
# and robustness suites once more with the servers on PostgreSQL, drives the server with
# python-gitlab (scripts/python-gitlab-smoke.sh), checks it against the document with
# Schemathesis (scripts/schemathesis.sh, at most 3 minutes), and stops the cluster. tmux (for
# the terminal test of gitlab-jobs) is installed first when missing (scripts/tmux.sh).
# Extra arguments go to every `cargo test` (for example `--locked`).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/tmux.sh >/dev/null # for gitlab-jobs' terminal test
eval "$(scripts/postgres.sh start)"
trap 'scripts/postgres.sh stop' EXIT
echo "PostgreSQL for the tests: $GITLAB_JOBS_TEST_POSTGRES"
# The browser test of the documentation page (crates/gitlab-jobs-reference/tests/api/docs.rs).
GITLAB_JOBS_CHROMIUM="$(scripts/chromium.sh path)"
export GITLAB_JOBS_CHROMIUM
echo "Chromium for the browser test: $GITLAB_JOBS_CHROMIUM"

cargo test --workspace "$@"

echo "== the end-to-end and robustness suites again, served from PostgreSQL"
GITLAB_JOBS_TEST_STORE=postgres cargo test "$@" -p gitlab-jobs-reference --test api --test robustness
GITLAB_JOBS_TEST_STORE=postgres cargo test "$@" -p gitlab-jobs-contract-tests \
    --test live_contract --test live_invalid --test live_permissions

echo "== a downstream crate (examples/downstream, outside the workspace) tested against TestServer"
# Its lock file follows the workspace's dependencies; say how to bring it up to date rather
# than let `--locked` fail with cargo's generic words.
if ! cargo metadata --quiet --format-version 1 --locked \
    --manifest-path examples/downstream/Cargo.toml >/dev/null 2>&1; then
    echo "examples/downstream/Cargo.lock does not match the workspace's dependencies:" \
        "run \`cargo xtask generate\` and commit the lock file" >&2
    exit 1
fi
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}" \
    cargo test "$@" --manifest-path examples/downstream/Cargo.toml

echo "== python-gitlab, unchanged, against the reference server"
scripts/python-gitlab-smoke.sh "$@"

echo "== Schemathesis: the reference server against openapi/gitlab-jobs.yaml"
scripts/schemathesis.sh "$@"
