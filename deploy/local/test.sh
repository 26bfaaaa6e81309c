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
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

mvn -B -ntp verify "$@"
