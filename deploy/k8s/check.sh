#!/usr/bin/env bash
# Renders the Kubernetes manifests (deploy/k8s/base and every overlay) with render.mjs and checks
# them: same output as `kubectl kustomize` where kubectl exists, every object valid against the
# Kubernetes API schema (kubernetes-models), no unknown fields (TypeScript against the same
# models), the pod spec properties the sidecar needs, the fleet overlay's cluster wiring (headless
# Service, NetworkPolicy, cluster secret, POD_IP), and a self-test that broken copies fail.
# Installs its pinned npm packages (package-lock.json) with `npm ci` when they are missing or
# out of date. Exits non-zero on any failure.
#
# Usage: deploy/k8s/check.sh   (from any directory)
#        node deploy/k8s/render.mjs deploy/k8s/overlays/example   prints the rendered YAML
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

command -v node >/dev/null 2>&1 || { echo "node is required (Node.js 18 or later)" >&2; exit 1; }
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci (deploy/k8s/package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
fi
node check.mjs
