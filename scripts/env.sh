# Environment for running the release build against the local test operator (sourced by demo.sh and test.sh).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
export WEBMAIL_BIN=$CARGO_TARGET_DIR/release/server
export LEPTOS_OUTPUT_NAME=mssante-webmail
export LEPTOS_SITE_ROOT=$ROOT/target/site
export LEPTOS_SITE_PKG_DIR=pkg
export LEPTOS_ENV=PROD
# wasm-opt 132 from npm (tools/): Debian's binaryen 108 emits WASM that fails to hydrate
export PATH=$ROOT/tools/node_modules/.bin:$PATH
