#!/usr/bin/env bash
# The board's checks: type-check the JavaScript (tsc --checkJs), then end-to-end tests in
# headless Chromium against the real `dealbrain serve` (see tests/). Installs what is missing:
# Debian's chromium (as root, apt) and the npm dev dependencies (npm ci, from the lockfile).
# Uses $DEALBRAIN_BIN, else $CARGO_TARGET_DIR/debug/dealbrain (built when absent or older than web/).
# Screenshots: $SCREENSHOT_DIR (default web/screenshots, git-ignored).
# `--docs` writes the screenshots to docs/screenshots/ instead (the committed images).
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
if [ "${1:-}" = "--docs" ]; then
  export SCREENSHOT_DIR="$root/docs/screenshots"
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "FATAL: node and npm are needed for the browser tests" >&2
  exit 1
fi
chromium_bin=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ ! -x "$chromium_bin" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  if [ ! -x "$chromium_bin" ]; then
    echo "FATAL: $chromium_bin is missing (apt-get install chromium)" >&2
    exit 1
  fi
fi
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/typescript ] \
  || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

echo "--- web: tsc --checkJs"
npx tsc -p jsconfig.json

if [ -z "${DEALBRAIN_BIN:-}" ]; then
  target=${CARGO_TARGET_DIR:-$root/target}
  case "$target" in /*) ;; *) target="$root/$target" ;; esac
  # build when absent, or when a served file is newer than the binary that embeds it
  if [ ! -x "$target/debug/dealbrain" ] \
    || [ -n "$(find . -maxdepth 1 -type f -newer "$target/debug/dealbrain" \( -name '*.js' -o -name '*.html' -o -name '*.css' -o -name '*.svg' \) -print -quit)" ]; then
    (cd "$root" && cargo build -p app --locked)
  fi
  export DEALBRAIN_BIN="$target/debug/dealbrain"
fi
echo "--- web: browser tests ($DEALBRAIN_BIN, $("$chromium_bin" --version 2>/dev/null || echo chromium))"
node --test --test-reporter=spec --test-concurrency=1 tests/
