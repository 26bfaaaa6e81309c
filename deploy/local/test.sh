#!/usr/bin/env bash
# Runs every test of the project: unit and integration tests of broker and students-rs,
# the Keycloak end-to-end suite, and the observability checks. Installs what the tests need
# from Debian's packages when it is missing (CI starts from a fresh machine).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

need=()
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v unzip >/dev/null 2>&1 || need+=(unzip)
command -v chromium >/dev/null 2>&1 || need+=(chromium)        # dashboard test (headless)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)      # scrape test, alert rules
command -v python3 >/dev/null 2>&1 || need+=(python3)         # examples/clients snippets
command -v node >/dev/null 2>&1 || need+=(nodejs)             # snippets, k8s and OpenAPI checks
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  # Keep the prometheus package from starting its own daemon on the shared ports.
  created_policy=false
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo_cmd tee /usr/sbin/policy-rc.d >/dev/null
    $sudo_cmd chmod +x /usr/sbin/policy-rc.d
    created_policy=true
  fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  [ "$created_policy" = false ] || $sudo_cmd rm -f /usr/sbin/policy-rc.d
fi

bash deploy/observability/check.sh
bash deploy/k8s/check.sh
bash docs/check.sh                  # OpenAPI 3.1 lint (Redocly CLI, pinned)
mvn -B -ntp verify "$@"
