#!/usr/bin/env bash
# The load benchmark of issue 9 in one command: installs oha (pinned) unless it is on PATH, then
# runs `cargo bench -p tests --bench load`, which seeds the data set, serves it from a release
# build and drives the mixed load. See bench/load/README.md. LOAD_* and TEST_DATABASE_URL pass
# through (`LOAD_SECS=10 bench/load/run.sh`).
set -euo pipefail

OHA_VERSION=1.16.0
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

if [[ -z "${LOAD_OHA:-}" ]] && ! command -v oha >/dev/null 2>&1; then
    echo "==> cargo install oha --locked --version $OHA_VERSION"
    cargo install oha --locked --version "$OHA_VERSION"
fi
# Another version may print its JSON differently; say so rather than fail in the middle.
found="$("${LOAD_OHA:-oha}" --version 2>/dev/null || true)"
if [[ "$found" != *" $OHA_VERSION"* ]]; then
    echo "run.sh: warning: ${found:-oha} is not oha $OHA_VERSION, which this was written for" >&2
fi

cd "$ROOT"
exec cargo bench -p tests --bench load "$@"
