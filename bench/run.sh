#!/usr/bin/env bash
# Runs every benchmark in bench/README.md and prints the table; writes bench/results/latest.json.
#
#   bench/run.sh            full run (about 8 minutes, hard limit BENCH_TIME_LIMIT=600 s)
#   bench/run.sh --quick    smoke test (about 2 minutes, one round, short runs)
#
# Installs wrk (Debian) when missing, builds the broker and students-rs jars and this module
# (BENCH_SKIP_BUILD=1 reuses what is built), then starts the Java harness. All load goes to
# 127.0.0.1. Other knobs: BENCH_* variables, see bench/README.md.
set -euo pipefail

started=$(date +%s)
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH_DIR")"
TIME_LIMIT="${BENCH_TIME_LIMIT:-600}"
WORK="$BENCH_DIR/target/bench-work"
PIDS="$WORK/logs/children.pids"

log() { printf 'bench: %s\n' "$*"; }

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
apt_updated=0
need() { # need COMMAND DEBIAN_PACKAGE
  if command -v "$1" >/dev/null 2>&1; then return 0; fi
  log "installing $2"
  if [ "$apt_updated" -eq 0 ]; then
    $SUDO apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$2" >/dev/null
}

need wrk wrk
need free procps
need timeout coreutils
need java openjdk-17-jdk-headless
need mvn maven

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  log "building broker, students-rs and bench"
  # One reactor build: bench uses the shared `testing` module (child-process launcher), which is
  # not installed in ~/.m2, so bench cannot be built on its own with -f bench/pom.xml.
  mvn -B -q -f "$ROOT/pom.xml" -DskipTests package -pl broker,students-rs,bench -am
fi
for f in "$ROOT/broker/target/broker.jar" "$ROOT/students-rs/target/students-rs.jar" \
         "$BENCH_DIR/target/classpath.txt"; do
  [ -f "$f" ] || { echo "bench: missing $f (run without BENCH_SKIP_BUILD)" >&2; exit 2; }
done

# Private copies, so a rebuild by someone else cannot swap a jar under a running JVM.
mkdir -p "$WORK/jars" "$WORK/logs" "$BENCH_DIR/results"
cp "$ROOT/broker/target/broker.jar" "$ROOT/students-rs/target/students-rs.jar" "$WORK/jars/"
CP="$BENCH_DIR/target/classes:$(cat "$BENCH_DIR/target/classpath.txt")"

# End the children of this run if the harness itself dies (it ends them itself otherwise).
cleanup() {
  [ -f "$PIDS" ] || return 0
  while read -r pid; do
    if [ -n "$pid" ] && [ "$(ps -o comm= -p "$pid" 2>/dev/null)" = "java" ]; then
      kill "$pid" 2>/dev/null || true
    fi
  done <"$PIDS"
}
trap cleanup EXIT

left=$((TIME_LIMIT - ($(date +%s) - started) - 5))
if [ "$left" -lt 60 ]; then
  echo "bench: only ${left}s left of BENCH_TIME_LIMIT=${TIME_LIMIT}s after the build" >&2
  exit 2
fi
# No section starts unless its estimate fits in what is left (margin for the final report).
export BENCH_BUDGET_SECONDS="${BENCH_BUDGET_SECONDS:-$((left - 20))}"
log "harness starts with ${left}s left"
status=0
timeout --kill-after=10 "$left" \
  java -Xms256m -Xmx1g -cp "$CP" dev.tokenbroker.bench.Bench \
  "$BENCH_DIR" "$WORK/jars/broker.jar" "$WORK/jars/students-rs.jar" "$CP" "$@" || status=$?
log "total wall time $(($(date +%s) - started)) s (exit $status)"
exit "$status"
