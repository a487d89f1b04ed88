#!/bin/bash
# Dependencies checked with cargo-deny (deny.toml): known vulnerabilities and unmaintained crates
# from the RustSec advisory database, licences, duplicate versions, crate sources.
# The database is fetched from GitHub; where GitHub is out of reach (this build network), from a
# local copy of it (ADVISORY_DB_COPY, a clone of github.com/rustsec/advisory-db). Without either,
# the other checks still run and the output says loudly that advisories were not checked.
set -euo pipefail
cd "$(dirname "$0")/.."
COPY=${ADVISORY_DB_COPY:-/work/.mirror/rustsec+advisory-db/repo}
# where cargo-deny keeps the database of https://github.com/RustSec/advisory-db
DB=${CARGO_HOME:-$HOME/.cargo}/advisory-dbs/advisory-db-3157b0e258782691

if timeout 20 git ls-remote -q https://github.com/RustSec/advisory-db HEAD >/dev/null 2>&1 && timeout 120 cargo deny fetch db; then
    echo "advisory database: fetched from GitHub"
elif [ -d "$COPY" ]; then
    if [ -d "$DB/.git" ]; then git -C "$DB" pull -q --ff-only "$COPY" HEAD; else rm -rf "$DB"; git clone -q "$COPY" "$DB"; fi
    echo "advisory database: local copy $COPY"
fi
if [ -d "$DB/.git" ]; then
    echo "advisory database of $(git -C "$DB" show -s --format=%cs HEAD), $(find "$DB/crates" -name 'RUSTSEC-*.md' | wc -l) advisories"
    cargo deny --offline check --show-stats --hide-inclusion-graph
else
    echo "!! advisory database unavailable: vulnerabilities NOT checked (licences, bans, sources only)" >&2
    cargo deny --offline check --show-stats --hide-inclusion-graph bans licenses sources
fi
