#!/usr/bin/env python3
"""Tokens from the broker with Python's standard library only (urllib): nothing to install.

Both APIs:
  * GET /v1/token with the Token-Broker-Request header (the broker's own API);
  * POST /oauth/token, the RFC 6749 drop-in endpoint, as a `localClients` caller with
    client_secret_basic (only when LOCAL_CLIENT_ID is set).
With each token it calls students-rs GET /students. The token itself is never printed.

  BROKER_URL=http://127.0.0.1:4004 STUDENTS_URL=http://127.0.0.1:4006 \
  LOCAL_CLIENT_ID=orders LOCAL_CLIENT_SECRET=... python3 broker_client.py
"""
import base64
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

BROKER = os.environ.get("BROKER_URL", "http://127.0.0.1:4004")
STUDENTS = os.environ.get("STUDENTS_URL", "http://127.0.0.1:4006")
AUDIENCE = os.environ.get("AUDIENCE", "https://students-api")
SCOPE = os.environ.get("SCOPE", "read:students")

# The broker is on this host: never go through an HTTP proxy from the environment (the broker
# refuses proxied requests anyway).
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch_json(request):
    try:
        with OPENER.open(request, timeout=15) as response:
            return json.load(response)
    except urllib.error.HTTPError as e:
        # The broker's errors are JSON: {"error": ..., "error_description": ...}
        raise SystemExit(f"error: {e.code} {e.read().decode()}")


def v1_token():
    query = urllib.parse.urlencode({"audience": AUDIENCE, "scope": SCOPE})
    request = urllib.request.Request(
        f"{BROKER}/v1/token?{query}", headers={"Token-Broker-Request": "true"})
    return fetch_json(request)


def oauth_token(client_id, client_secret):
    # client_secret_basic, RFC 6749 §2.3.1: form-urlencode id and secret, then Base64.
    pair = urllib.parse.quote(client_id, safe="") + ":" + urllib.parse.quote(client_secret, safe="")
    form = urllib.parse.urlencode(
        {"grant_type": "client_credentials", "scope": SCOPE, "audience": AUDIENCE}).encode()
    request = urllib.request.Request(f"{BROKER}/oauth/token", data=form, headers={
        "Authorization": "Basic " + base64.b64encode(pair.encode()).decode(),
        "Content-Type": "application/x-www-form-urlencoded",
    })
    return fetch_json(request)


def students(label, token):
    request = urllib.request.Request(
        f"{STUDENTS}/students", headers={"Authorization": f"Bearer {token['access_token']}"})
    try:
        with OPENER.open(request, timeout=15) as response:
            print(f"{label} students: {response.status} {response.read().decode()}")
    except urllib.error.HTTPError as e:
        raise SystemExit(f"{label} students: {e.code} {e.headers.get('WWW-Authenticate')}")


def shown(token):
    return json.dumps({k: ("(redacted)" if k == "access_token" else v) for k, v in token.items()})


def main():
    token = v1_token()
    print("v1 token: " + shown(token))
    students("v1", token)
    client_id = os.environ.get("LOCAL_CLIENT_ID")
    if client_id:
        token = oauth_token(client_id, os.environ["LOCAL_CLIENT_SECRET"])
        print("oauth token: " + shown(token))
        students("oauth", token)


if __name__ == "__main__":
    sys.exit(main())
