#!/usr/bin/env bash
# The lab's machine-to-machine flow on this machine:
#   operator -> caller (POST /m2m/run) -> broker (POST /oauth/token) -> IdP (client_credentials)
#            caller -> students-rs (GET /students, Bearer) ; the students JSON back to the operator
# Prints the caller's answer to POST /m2m/run (students, timings, step statuses; never the token).
# Usage: deploy/local/demo.sh [--keycloak] [--keep] [--stop]
#   --keycloak  use Keycloak (deploy/local/keycloak.sh, realm deploy/keycloak/realm-demo.json)
#               instead of the light mock-oauth2-server
#   --keep      leave the processes running (operator page on http://127.0.0.1:$CALLER_PORT/);
#               stop them with deploy/local/demo.sh --stop
# Ports (env): IDP_PORT=18080 BROKER_PORT=4004 BRIDGE_PORT=4005 STUDENTS_PORT=4006 CALLER_PORT=4008
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
run="$here/.run"
mkdir -p "$run"
IDP_PORT=${IDP_PORT:-18080}
BROKER_PORT=${BROKER_PORT:-4004}
BRIDGE_PORT=${BRIDGE_PORT:-4005}
STUDENTS_PORT=${STUDENTS_PORT:-4006}
CALLER_PORT=${CALLER_PORT:-4008}
use_keycloak=false
keep=false
for arg in "$@"; do
  case "$arg" in
    --keycloak) use_keycloak=true ;;
    --keep) keep=true ;;
    --stop)
      for p in caller broker students mock-idp; do
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
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
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

if [ ! -f "$root/broker/target/broker.jar" ] || [ ! -f "$root/students-rs/target/students-rs.jar" ] \
  || [ ! -f "$root/examples/caller/target/caller.jar" ]; then
  log "building the jars"
  (cd "$root" && mvn -B -q -DskipTests package -pl broker,students-rs,examples/caller -am)
fi

# A local secret: the demo IdPs accept what they are given; never a real one.
export TOKEN_BROKER_CLIENT_SECRET=${TOKEN_BROKER_CLIENT_SECRET:-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')}
# The caller's own credentials at the broker's drop-in endpoint (a localClients entry).
export CALLER_CLIENT_SECRET=${CALLER_CLIENT_SECRET:-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')}

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
localClients:
  - clientId: lab-caller
    clientSecret: \${CALLER_CLIENT_SECRET}
    allow:
      - audience: https://students-api
        scopes: [read:students]
YAML
cat >"$run/students.yaml" <<YAML
http: {host: 127.0.0.1, port: $STUDENTS_PORT}
issuer: $issuer
audience: https://students-api
YAML
cat >"$run/caller.yaml" <<YAML
http: {host: 127.0.0.1, port: $CALLER_PORT}
broker:
  url: http://127.0.0.1:$BROKER_PORT
  clientId: lab-caller
  clientSecret: \${CALLER_CLIENT_SECRET}
audience: https://students-api
scopes: [read:students]
students:
  url: http://127.0.0.1:$STUDENTS_PORT/students
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

log "starting the caller (operator page) on 127.0.0.1:$CALLER_PORT"
nohup java -Xmx64m -XX:+UseSerialGC -jar "$root/examples/caller/target/caller.jar" --config "$run/caller.yaml" \
  >"$run/caller.log" 2>&1 &
echo $! >"$run/caller.pid"
wait_http "http://127.0.0.1:$CALLER_PORT/health/ready" 60

m2m_run() { # label
  log "POST /m2m/run on the caller ($1): token from the broker's POST /oauth/token, then GET /students"
  local answer status
  answer=$(curl -sS -X POST -H 'Content-Type: application/json' -d '{}' -w '\n%{http_code}' \
    "http://127.0.0.1:$CALLER_PORT/m2m/run")
  echo "${answer%$'\n'*}"
  status=${answer##*$'\n'}
  if [ "$status" != 200 ]; then
    echo "POST /m2m/run answered $status (a step failed; logs in $run)" >&2
    exit 1
  fi
}
m2m_run "first run, cold JVMs"
m2m_run "second run, warm: the broker answers from its cache"

log "GET /students without a token (expected: 401)"
curl -sS -o /dev/null -w '%{http_code} %header{www-authenticate}\n' "http://127.0.0.1:$STUDENTS_PORT/students"

if [ "$keep" = true ]; then
  log "still running (logs in $run): operator page http://127.0.0.1:$CALLER_PORT/ ; stop with: $0 --stop"
fi
