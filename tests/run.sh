#!/usr/bin/env bash
# The test command (the README's, and the one .ci/run runs): everything, from a fresh clone.
#
#   tests/run.sh
#
# 1. tests/setup.sh: as root, installs what the tests need when it is missing (apt packages, cargo-deb
#    at a pinned version) and makes the newest released originals runnable (target/reference); a
#    second run installs nothing. Without root it lists what is missing and how to install it, and
#    the tests that need it are reported as skipped with the reason.
# 2. cargo build --workspace --bins && cargo test --workspace --no-fail-fast: every test binary,
#    the two VM lanes and the packaging test included.
# 3. One closing line over all test binaries: `summary: N passed, M failed, K skipped`.
#
# Exit status: cargo's (non-zero when any test failed), or 1 when the set-up failed.
# NSTOOLS_REQUIRE_PRIVILEGED=1 (as .ci/run sets) turns every skip into a failure.
set -uo pipefail
cd "$(dirname "$0")/.."

start=$(date +%s)
if ! tests/setup.sh; then
    echo "tests/run.sh: tests/setup.sh failed (above: what and how to retry); no test was run" >&2
    exit 1
fi

log=$(mktemp "${TMPDIR:-/tmp}/nstools-tests.XXXXXX")
trap 'rm -f "$log"' EXIT
# A heartbeat over the whole output: when a test binary is quiet for 10 s, a line says what came
# last (the long scripts' own heartbeats speak after 9 s, so this one only fills real silences).
# Kept from the tests' environment, so that each long script keeps its own name and clock.
# shellcheck source=progress.sh
. tests/progress.sh
progress_begin tests/run.sh 10
export -n NSTOOLS_PROGRESS_NAME NSTOOLS_PROGRESS_T0 NSTOOLS_PROGRESS_FILE
{ cargo build --workspace --bins && cargo test --workspace --no-fail-fast; } 2>&1 |
    while IFS= read -r line; do
        printf '%s\n' "$line"
        printf '%s\n' "$line" >>"$log"
        printf -v now '%(%s)T' -1
        printf '%s\n%s\n\n' "$now" "quiet after: ${line:0:90}" >"$NSTOOLS_PROGRESS_FILE"
    done
status=${PIPESTATUS[0]}

# Every failed test's own report again, last: a reader (or a CI page) that sees only the tail of a
# long log still sees why each test failed. libtest and libtest-mimic both print a `failures:`
# block (the reports, then the names) just before their `test result:` line.
awk '/^failures:$/ && !inside { inside = 1; print "=== failures again (from the log above) ===" }
     inside && /^test result:/ { inside = 0; next }
     inside { print }' "$log"

# libtest and libtest-mimic print one `test result:` line per binary (skipped tests are `ignored`);
# common's mirror test prints a plain `N passed, M failed`.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) s += $i } }
     /^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 }
     END { printf "summary: %d passed, %d failed, %d skipped", p, f, s }' "$log"
echo " (tests/run.sh: $(($(date +%s) - start)) s, exit status $status)"
exit "$status"
