#!/usr/bin/env bash
# Makes sure tmux is installed (from Debian's packages when it is missing), for the terminal
# test of `gitlab-jobs` (crates/gitlab-jobs-cli/tests/cli/terminal.rs), and prints its path.
#
#   scripts/tmux.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"

if command -v tmux >/dev/null 2>&1; then
    command -v tmux
    exit 0
fi
command -v apt-get >/dev/null 2>&1 ||
    die "tmux is missing and this is not a Debian-like system: install tmux"
needs_root="installing tmux needs root: apt-get install tmux"
echo "installing tmux from the Debian packages" >&2
as_root "$needs_root" apt-get update -qq >&2
as_root "$needs_root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tmux >&2
command -v tmux
