#!/usr/bin/env bash
# Local Keycloak for the token-broker demo: the same distribution and realm as the e2e suite.
#
#   deploy/local/keycloak.sh start    download (through Maven) and unpack once, start, wait, print the issuer
#   deploy/local/keycloak.sh stop     stop the Keycloak started by `start`
#   deploy/local/keycloak.sh status   say whether it runs and where
#
# Environment:
#   KEYCLOAK_PORT                 HTTP port on 127.0.0.1 (default 18080)
#   KEYCLOAK_MANAGEMENT_PORT      management port on 127.0.0.1 (default 19000; Keycloak's own default 9000 collides easily)
#   TOKEN_BROKER_CLIENT_SECRET    secret of the confidential client `token-broker`; generated and kept in
#                                 deploy/local/.run/client-secret when unset
#   KEYCLOAK_READY_TIMEOUT        seconds to wait for the realm to answer (default 180)
#
# Everything lives in deploy/local/.run/ (gitignored): the zip, the unpacked server, keycloak.pid,
# keycloak.log, client-secret and admin-password (both mode 600). Secrets are never printed.
# The realm is imported on every start (in-memory database), so a new secret takes effect on restart.
set -euo pipefail

KEYCLOAK_VERSION=26.0.7
DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUN_DIR="$ROOT/deploy/local/.run"
KC_HOME="$RUN_DIR/keycloak-$KEYCLOAK_VERSION"
PID_FILE="$RUN_DIR/keycloak.pid"
LOG_FILE="$RUN_DIR/keycloak.log"
SECRET_FILE="$RUN_DIR/client-secret"
ADMIN_PASSWORD_FILE="$RUN_DIR/admin-password"
REALM_FILE="$ROOT/deploy/keycloak/realm-demo.json"

PORT=${KEYCLOAK_PORT:-18080}
MANAGEMENT_PORT=${KEYCLOAK_MANAGEMENT_PORT:-19000}
READY_TIMEOUT=${KEYCLOAK_READY_TIMEOUT:-180}
ISSUER="http://127.0.0.1:$PORT/realms/demo"

log() { printf 'keycloak.sh: %s\n' "$*" >&2; }

running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid=$(<"$PID_FILE")
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && { echo "$pid"; return 0; }
  return 1
}

random_secret() {
  # 32 random bytes, URL-safe, no padding: fits HTTP Basic and form bodies unescaped.
  head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'
}

ensure_distribution() {
  [[ -x "$KC_HOME/bin/kc.sh" ]] && return 0
  mkdir -p "$RUN_DIR"
  local zip="$RUN_DIR/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip"
  if [[ ! -f "$zip" ]]; then
    log "fetching org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip through Maven"
    # Run outside the reactor: the goal needs no project.
    (cd "$RUN_DIR" && mvn -B -q -Dstyle.color=never "$DEPENDENCY_PLUGIN:copy" \
      -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip" \
      -DoutputDirectory="$RUN_DIR")
  fi
  log "unpacking into $RUN_DIR"
  unzip -q -o "$zip" -d "$RUN_DIR"
}

start() {
  local pid
  if pid=$(running_pid); then
    log "already running (pid $pid); issuer $ISSUER"
    echo "$ISSUER"
    return 0
  fi
  command -v curl >/dev/null || { log "curl is required"; exit 1; }
  ensure_distribution

  umask 077
  if [[ -z "${TOKEN_BROKER_CLIENT_SECRET:-}" ]]; then
    if [[ ! -s "$SECRET_FILE" ]]; then
      random_secret >"$SECRET_FILE"
    fi
    TOKEN_BROKER_CLIENT_SECRET=$(<"$SECRET_FILE")
    log "client secret of token-broker: read it from $SECRET_FILE"
  else
    printf '%s' "$TOKEN_BROKER_CLIENT_SECRET" >"$SECRET_FILE"
  fi
  random_secret >"$ADMIN_PASSWORD_FILE"
  umask 022

  mkdir -p "$KC_HOME/data/import"
  cp "$REALM_FILE" "$KC_HOME/data/import/realm-demo.json"

  log "starting Keycloak $KEYCLOAK_VERSION on 127.0.0.1:$PORT (log: $LOG_FILE)"
  (
    # A KC_* variable exported in the caller's shell must not reconfigure the demo server.
    while read -r name; do unset "$name"; done < <(compgen -e | grep '^KC_' || true)
    export KC_BOOTSTRAP_ADMIN_USERNAME=admin
    KC_BOOTSTRAP_ADMIN_PASSWORD=$(<"$ADMIN_PASSWORD_FILE")
    export KC_BOOTSTRAP_ADMIN_PASSWORD
    export TOKEN_BROKER_CLIENT_SECRET # read by realm-demo.json at import
    export JAVA_OPTS_KC_HEAP="${JAVA_OPTS_KC_HEAP:--Xms64m -Xmx768m}"
    # setsid: Keycloak leads its own process group, so `stop` reaches everything it started.
    exec setsid bash "$KC_HOME/bin/kc.sh" start-dev \
      --http-host=127.0.0.1 \
      --http-port="$PORT" \
      --hostname="http://127.0.0.1:$PORT" \
      --http-management-port="$MANAGEMENT_PORT" \
      --db=dev-mem \
      --import-realm
  ) >"$LOG_FILE" 2>&1 </dev/null &
  echo $! >"$PID_FILE"

  local started=$SECONDS
  until curl -fsS -o /dev/null "$ISSUER/.well-known/openid-configuration" 2>/dev/null; do
    if ! running_pid >/dev/null; then
      log "Keycloak exited during start-up; last lines of $LOG_FILE:"
      tail -n 30 "$LOG_FILE" >&2
      rm -f "$PID_FILE"
      exit 1
    fi
    if ((SECONDS - started > READY_TIMEOUT)); then
      log "not ready after ${READY_TIMEOUT}s; stopping (see $LOG_FILE)"
      stop
      exit 1
    fi
    sleep 1
  done
  log "ready in $((SECONDS - started))s; admin password in $ADMIN_PASSWORD_FILE"
  echo "$ISSUER"
}

stop() {
  local pid
  if ! pid=$(running_pid); then
    log "not running"
    rm -f "$PID_FILE"
    return 0
  fi
  log "stopping pid $pid"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 30); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "still alive after 30s; killing"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
}

status() {
  local pid
  if pid=$(running_pid); then
    echo "running (pid $pid); issuer $ISSUER"
  else
    echo "not running"
    return 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
