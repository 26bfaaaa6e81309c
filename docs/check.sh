#!/usr/bin/env bash
# Lints docs/openapi.yaml (OpenAPI 3.1) with Redocly CLI, pinned in package-lock.json and
# installed with `npm ci` when missing or out of date, under the strict recommended rules
# (redocly.yaml: a warning fails too). Then a self-test: a copy with a dangling $ref must fail.
# Whether the broker really answers as documented is checked by the example-clients module's
# OpenApiConformanceTest (mvn verify). Exits non-zero on any failure.
#
# Usage: docs/check.sh   (from any directory)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

command -v node >/dev/null 2>&1 || { echo "node is required (Node.js 20.19 or later)" >&2; exit 1; }
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci (docs/package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "== redocly lint docs/openapi.yaml"
npx --no-install redocly lint --config redocly.yaml openapi.yaml 2>&1 | grep -v '[║╔╚]' | grep -v '^$'
test "${PIPESTATUS[0]}" -eq 0

broken="$(mktemp -d)/openapi.yaml"
trap 'rm -rf "$(dirname "$broken")"' EXIT
sed "s|#/components/schemas/BrokerToken'|#/components/schemas/NoSuchSchema'|" openapi.yaml >"$broken"
if npx --no-install redocly lint --config redocly.yaml "$broken" >/dev/null 2>&1; then
  echo "self-test failed: a dangling \$ref passed the lint" >&2
  exit 1
fi
echo "openapi: ok (valid, and a broken copy is refused)"
