#!/usr/bin/env bash
# Headless-Chromium check of the HTML audit page (`ledger render --format html`).
#
# usage: tests/browser/run.sh LEDGER_BIN [LEDGER_DIR] [OUT_DIR]
#   LEDGER_BIN  the ledger binary (e.g. target/debug/ledger; a bare name is
#               looked up on PATH)
#   LEDGER_DIR  the ledger folder [default: ledger, the example ledger]
#   OUT_DIR     where audit.html, log.json, audit.png and audit.pdf go
#               [default: target/browser]
# Relative paths are taken from the repository root, whatever the cwd.
#
# Installs what it needs when missing: Debian's chromium (apt-get) and
# playwright-core (npm ci in tests/browser). Exits non-zero when a check
# fails; check.mjs prints one line per check to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

die() { echo "browser check: $*" >&2; exit 2; }

if [[ $# -lt 1 || $# -gt 3 ]]; then
  die "usage: tests/browser/run.sh LEDGER_BIN [LEDGER_DIR] [OUT_DIR]"
fi
ledger_bin="$1"
ledger_dir="${2:-ledger}"
out_dir="${3:-target/browser}"

if [[ "$ledger_bin" != */* ]]; then
  ledger_bin="$(command -v "$ledger_bin")" || die "no '$1' on PATH"
fi
[[ -x "$ledger_bin" && -f "$ledger_bin" ]] || die "LEDGER_BIN $ledger_bin (from $root) is not an executable file"
[[ -d "$ledger_dir" ]] || die "LEDGER_DIR $ledger_dir (from $root) is not a folder"
mkdir -p "$out_dir"

# Chromium from Debian; apt-get update only when the install fails without it.
if [[ ! -x /usr/bin/chromium ]]; then
  echo "browser check: installing chromium (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt_log="$out_dir/apt.log"
  if ! apt-get install -y -q chromium >"$apt_log" 2>&1; then
    if ! { apt-get update -q && apt-get install -y -q chromium; } >"$apt_log" 2>&1; then
      tail -n 20 "$apt_log" >&2
      die "could not install chromium (log: $apt_log)"
    fi
  fi
fi

# playwright-core, as package-lock.json pins it (no browser download).
if [[ ! -d "$here/node_modules" ]]; then
  echo "browser check: npm ci in tests/browser" >&2
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2) || die "npm ci failed in tests/browser"
fi

html="$out_dir/audit.html"
log="$out_dir/log.json"
"$ledger_bin" --ledger "$ledger_dir" render --format html -o "$html" \
  || die "'$ledger_bin --ledger $ledger_dir render --format html -o $html' failed"
"$ledger_bin" --ledger "$ledger_dir" log --format json >"$log" \
  || die "'$ledger_bin --ledger $ledger_dir log --format json' failed"

node "$here/check.mjs" "$html" "$log" "$out_dir"
