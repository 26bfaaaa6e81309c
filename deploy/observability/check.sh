#!/usr/bin/env bash
# Validates the observability files: the Prometheus config, the alert rules and their unit tests
# (promtool), and that the Grafana dashboard is valid JSON. Installs Debian's prometheus package
# (which ships promtool) when promtool is missing; the package's service is not started or left
# running by this script.
#
# Usage: deploy/observability/check.sh   (from any directory; exits non-zero on the first failure)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

if ! command -v promtool >/dev/null 2>&1; then
  echo "promtool not found: installing Debian's prometheus package" >&2
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo_cmd=(sudo)
  fi
  # policy-rc.d exit 101 keeps the package's daemon from being started on install.
  policy=/usr/sbin/policy-rc.d
  created_policy=false
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
    "${sudo_cmd[@]}" chmod +x "$policy"
    created_policy=true
  fi
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  if [ "$created_policy" = true ]; then
    "${sudo_cmd[@]}" rm -f "$policy"
  fi
  hash -r
fi

promtool --version 2>&1 | head -n 1

echo "== promtool check config prometheus.yml"
promtool check config prometheus.yml

echo "== promtool check rules alerts.yml"
promtool check rules alerts.yml

echo "== promtool test rules alerts_test.yml"
promtool test rules alerts_test.yml

echo "== grafana-dashboard.json is valid JSON"
if command -v python3 >/dev/null 2>&1; then
  python3 -m json.tool grafana-dashboard.json >/dev/null
elif command -v jq >/dev/null 2>&1; then
  jq empty grafana-dashboard.json
else
  echo "  skipped: neither python3 nor jq found" >&2
fi
echo "OK"
