# Sourced by the scripts: one place for paths and defaults (documented in README.md).
# shellcheck shell=bash
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# Build output lives outside the clone so a fresh clone (CI) reuses compiled dependencies.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mewayz/target}
export DATABASE_URL=${DATABASE_URL:-mysql://mewayz:mewayz@127.0.0.1:3306/mewayz}
export LEPTOS_SITE_ROOT=${LEPTOS_SITE_ROOT:-$CARGO_TARGET_DIR/site}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-auto}
log() { printf '\033[1;34m[%s]\033[0m %s\n' "$(basename "$0")" "$*"; }
# Each clone path gets its own incremental cache (GBs each); CI builds a fresh clone every
# time, so there it only costs disk.
if [ "${CI:-}" = true ]; then export CARGO_INCREMENTAL=0; fi
