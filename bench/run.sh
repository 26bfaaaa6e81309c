#!/usr/bin/env bash
# Runs every benchmark in bench/README.md and prints the table; writes bench/results/latest.json.
#
#   bench/run.sh            full run (about 14 minutes, hard limit BENCH_TIME_LIMIT=1200 s)
#   bench/run.sh --quick    smoke test (about 5 minutes, one round, short runs)
#
# Installs wrk (Debian) when missing, builds the broker and students-rs jars, this module and the
# Spring Boot peer server (bench/spring-peer, its own build; BENCH_SKIP_BUILD=1 reuses what is
# built), then starts the Java harness. All load goes to
# 127.0.0.1. Other knobs: BENCH_* variables, see bench/README.md.
set -euo pipefail

started=$(date +%s)
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH_DIR")"
TIME_LIMIT="${BENCH_TIME_LIMIT:-1200}"
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
need taskset util-linux
# Temurin 25 (footprint rows with the AOT cache and compact object headers) is optional: its rows
# are skipped with a note when /usr/lib/jvm/temurin-25-jdk-amd64 (or BENCH_JDK25) is absent.

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  log "building broker, students-rs and bench"
  # One reactor build: bench uses the shared `testing` module (child-process launcher), which is
  # not installed in ~/.m2, so bench cannot be built on its own with -f bench/pom.xml.
  mvn -B -q -f "$ROOT/pom.xml" -DskipTests package -pl broker,students-rs,bench -am
  # The Spring Boot peer of section 4: not a reactor module (CI need not resolve Spring Boot).
  # A failed build only costs that row (the harness reports it as an error, exit 1).
  log "building the Spring Boot peer (bench/spring-peer)"
  mvn -B -q -f "$BENCH_DIR/spring-peer/pom.xml" -DskipTests package ||
    log "WARNING: bench/spring-peer did not build; section 4 runs without its peer row"
fi
for f in "$ROOT/broker/target/broker.jar" "$ROOT/students-rs/target/students-rs.jar" \
         "$BENCH_DIR/target/classpath.txt"; do
  [ -f "$f" ] || { echo "bench: missing $f (run without BENCH_SKIP_BUILD)" >&2; exit 2; }
done

# Private copies, so a rebuild by someone else cannot swap a jar under a running JVM.
mkdir -p "$WORK/jars" "$WORK/logs" "$BENCH_DIR/results"
cp "$ROOT/broker/target/broker.jar" "$ROOT/students-rs/target/students-rs.jar" "$WORK/jars/"
rm -f "$WORK/jars/spring-peer.jar"
if [ -f "$BENCH_DIR/spring-peer/target/spring-peer.jar" ]; then
  cp "$BENCH_DIR/spring-peer/target/spring-peer.jar" "$WORK/jars/"
fi
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
