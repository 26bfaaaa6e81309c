#!/usr/bin/env bash
# The lab's machine-to-machine flow on this machine:
#   operator -> broker (GET /v1/token) -> IdP (client_credentials) ; operator -> students-rs (Bearer)
# Usage: deploy/local/demo.sh [--keycloak] [--keep]
#   --keycloak  use Keycloak (deploy/local/keycloak.sh, realm deploy/keycloak/realm-demo.json)
#               instead of the light mock-oauth2-server
#   --keep      leave the processes running (stop them with deploy/local/demo.sh --stop)
# Ports (env): IDP_PORT=18080 BROKER_PORT=4004 BRIDGE_PORT=4005 STUDENTS_PORT=4006
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
run="$here/.run"
mkdir -p "$run"
IDP_PORT=${IDP_PORT:-18080}
BROKER_PORT=${BROKER_PORT:-4004}
BRIDGE_PORT=${BRIDGE_PORT:-4005}
STUDENTS_PORT=${STUDENTS_PORT:-4006}
use_keycloak=false
keep=false
for arg in "$@"; do
  case "$arg" in
    --keycloak) use_keycloak=true ;;
    --keep) keep=true ;;
    --stop)
      for p in broker students mock-idp; do
        if [ -f "$run/$p.pid" ]; then
          pid=$(cat "$run/$p.pid")
          # Only a process this demo started (its command line names this .run folder): a stale
          # pid file must never kill an unrelated process that reused the pid.
          if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$run"; then
            kill "$pid" 2>/dev/null || true
          fi
          rm -f "$run/$p.pid"
        fi
      done
      [ -f "$run/keycloak.pid" ] && "$here/keycloak.sh" stop || true
      exit 0 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

log() { printf '\n== %s\n' "$*" >&2; }

wait_http() { # url, seconds
  local url=$1 deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then echo "timed out waiting for $url" >&2; return 1; fi
    sleep 0.2
  done
}

cleanup() {
  if [ "$keep" = false ]; then
    "$0" --stop >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

if [ ! -f "$root/broker/target/broker.jar" ] || [ ! -f "$root/students-rs/target/students-rs.jar" ]; then
  log "building the jars"
  (cd "$root" && mvn -B -q -DskipTests package -pl broker,students-rs -am)
fi

# A local secret: the demo IdPs accept what they are given; never a real one.
export TOKEN_BROKER_CLIENT_SECRET=${TOKEN_BROKER_CLIENT_SECRET:-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')}

if [ "$use_keycloak" = true ]; then
  log "starting Keycloak on 127.0.0.1:$IDP_PORT (20-50 s)"
  export KEYCLOAK_PORT=$IDP_PORT
  issuer=$("$here/keycloak.sh" start)
  client_id=token-broker
  audience_parameter=none
else
  log "starting mock-oauth2-server on 127.0.0.1:$IDP_PORT"
  if [ ! -d "$run/mock-idp-lib" ]; then
    mvn -B -q -f "$here/mock-idp/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$run/mock-idp-lib" -DincludeScope=runtime
  fi
  SERVER_HOSTNAME=127.0.0.1 SERVER_PORT=$IDP_PORT JSON_CONFIG_PATH="$here/mock-idp/config.json" \
    nohup java -cp "$run/mock-idp-lib/*" no.nav.security.mock.oauth2.StandaloneMockOAuth2ServerKt \
    >"$run/mock-idp.log" 2>&1 &
  echo $! >"$run/mock-idp.pid"
  issuer="http://127.0.0.1:$IDP_PORT/default"
  wait_http "$issuer/.well-known/openid-configuration" 60
  client_id=demo-broker
  audience_parameter=audience
fi
echo "issuer: $issuer" >&2

cat >"$run/broker.yaml" <<YAML
http: {host: 127.0.0.1, port: $BROKER_PORT}
idp:
  issuer: $issuer
  clientId: $client_id
  clientSecret: \${TOKEN_BROKER_CLIENT_SECRET}
  authMethod: client_secret_basic
  audienceParameter: $audience_parameter
eventBus:
  tcpBridge: {enabled: true, host: 127.0.0.1, port: $BRIDGE_PORT}
tokens:
  - audience: https://students-api
    scopes: [read:students]
    prefetch: true
YAML
cat >"$run/students.yaml" <<YAML
http: {host: 127.0.0.1, port: $STUDENTS_PORT}
issuer: $issuer
audience: https://students-api
YAML

log "starting the broker on 127.0.0.1:$BROKER_PORT and students-rs on 127.0.0.1:$STUDENTS_PORT"
nohup java -Xmx64m -XX:+UseSerialGC -jar "$root/broker/target/broker.jar" --config "$run/broker.yaml" \
  >"$run/broker.log" 2>&1 &
echo $! >"$run/broker.pid"
nohup java -Xmx64m -XX:+UseSerialGC -jar "$root/students-rs/target/students-rs.jar" --config "$run/students.yaml" \
  >"$run/students.log" 2>&1 &
echo $! >"$run/students.pid"
wait_http "http://127.0.0.1:$BROKER_PORT/health/ready" 60
wait_http "http://127.0.0.1:$STUDENTS_PORT/health/ready" 60

log "GET /v1/token from the broker"
response=$(curl -fsS -H 'Token-Broker-Request: true' \
  "http://127.0.0.1:$BROKER_PORT/v1/token?audience=https%3A%2F%2Fstudents-api&scope=read%3Astudents")
echo "$response"
token=$(printf '%s' "$response" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')

log "GET /students from students-rs with that token"
curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$STUDENTS_PORT/students"
echo

log "GET /students without a token (expected: 401)"
curl -sS -o /dev/null -w '%{http_code} %header{www-authenticate}\n' "http://127.0.0.1:$STUDENTS_PORT/students"

if [ "$keep" = true ]; then
  log "still running (logs in $run); stop with: $0 --stop"
fi
