#!/usr/bin/env bash
# curl against the broker, both ways:
#   1. GET /v1/token with the Token-Broker-Request header (the broker's own API; no credentials:
#      being on this host, and able to set the header, is the authorisation);
#   2. POST /oauth/token, the RFC 6749 drop-in endpoint, as a `localClients` caller
#      (client_secret_basic); skipped when LOCAL_CLIENT_ID is unset.
# With each token it calls students-rs GET /students. The token itself is never printed.
#
#   BROKER_URL=http://127.0.0.1:4004 STUDENTS_URL=http://127.0.0.1:4006 \
#   LOCAL_CLIENT_ID=orders LOCAL_CLIENT_SECRET=... examples/clients/curl.sh
set -euo pipefail
broker=${BROKER_URL:-http://127.0.0.1:4004}
students=${STUDENTS_URL:-http://127.0.0.1:4006}
audience=${AUDIENCE:-https://students-api}
scope=${SCOPE:-read:students}

# The value of "access_token" in a JSON object (tokens are base64url and dots: no escapes).
access_token() { sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p'; }
# The same JSON with the token replaced by its length.
redacted() { sed 's/"access_token":"\([^"]*\)"/"access_token":"(redacted)"/'; }

call_students() {
  local token=$1 label=$2 out status
  out=$(curl -sS -w '\n%{http_code}' -H "Authorization: Bearer $token" "$students/students")
  status=${out##*$'\n'}
  echo "$label students: $status ${out%$'\n'*}"
  [ "$status" = 200 ]
}

# 1. GET /v1/token (curl -G --data-urlencode builds the query string).
body=$(curl -sS --fail-with-body -G "$broker/v1/token" \
  -H 'Token-Broker-Request: true' \
  --data-urlencode "audience=$audience" --data-urlencode "scope=$scope")
echo "v1 token: $(redacted <<<"$body")"
call_students "$(access_token <<<"$body")" v1

# 2. POST /oauth/token (curl -u sends client_secret_basic; RFC 6749 §2.3.1 asks for the id and
#    secret to be form-urlencoded first, which matters only for characters outside [A-Za-z0-9-._~]).
if [ -n "${LOCAL_CLIENT_ID:-}" ]; then
  body=$(curl -sS --fail-with-body "$broker/oauth/token" \
    -u "$LOCAL_CLIENT_ID:${LOCAL_CLIENT_SECRET:?LOCAL_CLIENT_SECRET is required}" \
    -d grant_type=client_credentials \
    --data-urlencode "scope=$scope" --data-urlencode "audience=$audience")
  echo "oauth token: $(redacted <<<"$body")"
  call_students "$(access_token <<<"$body")" oauth
fi
