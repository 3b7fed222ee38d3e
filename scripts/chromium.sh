#!/usr/bin/env bash
# Headless Chromium for the browser test of the API documentation page
# (crates/gitlab-jobs-reference/tests/docs_browser.rs).
#
#   scripts/chromium.sh path    # prints the path of a Chromium executable, installing Debian's
#                               # `chromium` package first when none is found
#
# `GITLAB_JOBS_CHROMIUM=/path/to/chrome` chooses a browser and skips the search. Everything but
# the path goes to stderr, so `chromium="$(scripts/chromium.sh path)"` is safe in a script.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

find_chromium() {
    if [[ -n "${GITLAB_JOBS_CHROMIUM:-}" ]]; then
        [[ -x "$GITLAB_JOBS_CHROMIUM" ]] || die "GITLAB_JOBS_CHROMIUM=$GITLAB_JOBS_CHROMIUM is not an executable"
        echo "$GITLAB_JOBS_CHROMIUM"
        return
    fi
    local name
    for name in chromium chromium-browser google-chrome-stable google-chrome; do
        if command -v "$name" >/dev/null 2>&1; then
            command -v "$name"
            return
        fi
    done
}

install_chromium() {
    local needs_root="Chromium is not installed and installing it needs root: apt-get install chromium"
    command -v apt-get >/dev/null 2>&1 ||
        die "Chromium is not installed and this is not a Debian-like system: install it (or set GITLAB_JOBS_CHROMIUM), then retry"
    local log
    log="$(mktemp "${TMPDIR:-/tmp}/gitlab-jobs-chromium-XXXXXX.log")"
    echo "installing Chromium from the Debian packages (log: $log)" >&2
    # Other checkouts may be installing packages at the same time: wait for dpkg's lock.
    {
        as_root "$needs_root" apt-get -o DPkg::Lock::Timeout=600 update -qq
        as_root "$needs_root" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
            install -y -qq --no-install-recommends chromium fonts-dejavu-core
    } >>"$log" 2>&1 || die "apt-get install chromium failed (see $log)"
}

path() {
    local found
    found="$(find_chromium)"
    if [[ -z "$found" ]]; then
        install_chromium
        found="$(find_chromium)"
        [[ -n "$found" ]] || die "no chromium executable after installing the package"
    fi
    echo "$found"
}

case "${1:-}" in
path) path ;;
*)
    echo "usage: $0 path" >&2
    exit 2
    ;;
esac
