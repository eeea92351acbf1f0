#!/usr/bin/env bash
# Kill soak: TRIALS runs of `ledger record` (default 1,000), two in three
# killed at a random instant and every third left to finish (so that the
# tail fills whatever the machine's load), with the test-only limit LEDGER_TEST_SEGMENT_MAX_ENTRIES=8 so that
# every few records seal a segment and kills also land inside seals. After
# each kill the journal must load, its whole chain must hold, and every
# earlier entry must be unchanged; a last record must leave no temporary.
# The test suite runs the same test with 36 trials. (A debug build: release
# builds ignore the test-only limit.)
#   scripts/kill-soak.sh [TRIALS]
set -euo pipefail
cd "$(dirname "$0")/.."
LEDGER_KILL_TRIALS="${1:-1000}" cargo test --locked --test cli \
  concurrency::a_record_killed_at_any_instant_leaves_the_journal_whole -- --exact --nocapture
