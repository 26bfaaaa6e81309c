#!/usr/bin/env bash
# Soak benchmark of the broker: a local IdP issuing 10-second tokens, 32 concurrent callers,
# periodic IdP outages (refused connections, 500, 429 with Retry-After, answers slower than the
# timeout). Prints requests served, expired tokens served (must be 0), requests failed while a
# valid token existed (must be 0), IdP calls per key per lifetime, and p50/p99 latency during and
# outside outages. Load goes to 127.0.0.1 only and stops by itself.
# Usage: deploy/local/soak.sh [minutes]   (default 5)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
minutes=${1:-5}
cd "$root"
mvn -B -q -ntp -pl broker -am test -Dtest=SoakRun -Dsoak.minutes="$minutes" -Dsurefire.failIfNoSpecifiedTests=false \
  -Dspotless.check.skip=true 2>&1 | sed -n '/^SOAK {/,/^}/p'
echo "(also written to broker/target/soak.json)"
