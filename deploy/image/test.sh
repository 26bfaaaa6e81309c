#!/usr/bin/env bash
# Tests the image tarball that deploy/image/build.sh wrote (deploy/image/target/token-broker-image.tar):
#   1. skopeo inspect: OCI image, user non-root and numeric, entrypoint (java with the
#      recommended flags and the class-data archive, -jar /app/broker.jar), command (--config
#      /etc/token-broker/broker.yaml), exposed ports 4004 and 4007;
#   2. the layers' contents: /app/broker.jar (the jar the archive was written for), the archive
#      /app/broker.jsa, the JRE, the user 65532 in /etc/passwd;
#   3. where podman can run containers: the image started as the pod runs it (read-only root,
#      tmpfs /tmp, all capabilities dropped, no new privileges, the client secret as a mounted
#      folder, 128 MiB / 0.5 CPU where the cgroup allows) against a local mock IdP; time from
#      `podman start` to /health/ready 200 (3 starts), a token fetched, the class-data archive
#      mapped (no CDS warning), resident memory, and the stop on SIGTERM.
# Installs skopeo (and podman, runc) from Debian when missing. Under CI=true a step that cannot
# run fails; otherwise it says so and is skipped.
#
# Usage: deploy/image/test.sh [--quick] [image.tar]
#   --quick  one start instead of 3 starts under each of 4 limit settings (the timing figures)
set -euo pipefail
quick=false
if [ "${1:-}" = --quick ]; then quick=true; shift; fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$here/target"
image=${1:-$out/token-broker-image.tar}
[ -f "$image" ] || { echo "no image at $image: run deploy/image/build.sh first" >&2; exit 1; }
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "  ok    $*"; }
bad() { failed=$((failed + 1)); echo "  FAIL  $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
ci=${CI:-false}

apt_install() {
  local need=()
  for c in "$@"; do command -v "${c%%:*}" >/dev/null 2>&1 || need+=("${c##*:}"); done
  [ ${#need[@]} -eq 0 ] && return 0
  echo "== installing from Debian: ${need[*]}"
  [ "$(id -u)" -eq 0 ] || { echo "  not root: cannot install ${need[*]}" >&2; return 1; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}
apt_install skopeo:skopeo curl:curl node:nodejs

work=$(mktemp -d "${TMPDIR:-/tmp}/token-broker-image-test.XXXXXX")
idp_pid=""
cid=""
P=()
ref=""
cleanup() {
  if [ -n "$cid" ]; then "${P[@]}" rm -f "$cid" >/dev/null 2>&1 || true; fi
  # vfs keeps a full copy per image: leave no image behind in deploy/image/target/podman
  if [ -n "$ref" ]; then "${P[@]}" rmi -f "$ref" >/dev/null 2>&1 || true; fi
  if [ -n "$idp_pid" ]; then kill "$idp_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

json() { # file, JS expression over `j`
  node -e "const j=JSON.parse(require('fs').readFileSync(process.argv[1],'utf8'));const v=($2);console.log(typeof v==='string'?v:JSON.stringify(v))" "$1"
}

echo "== skopeo inspect oci-archive:$image"
skopeo inspect "oci-archive:$image" >"$work/inspect.json"
skopeo inspect --config "oci-archive:$image" >"$work/config.json"
skopeo inspect --raw "oci-archive:$image" >"$work/manifest.json"
user=$(json "$work/config.json" 'j.config.User')
entry=$(json "$work/config.json" '(j.config.Entrypoint||[]).join(" ")')
cmd=$(json "$work/config.json" '(j.config.Cmd||[]).join(" ")')
ports=$(json "$work/config.json" 'Object.keys(j.config.ExposedPorts||{}).sort().join(" ")')
echo "  user: $user"
echo "  entrypoint: $entry"
echo "  cmd: $cmd"
echo "  exposed: $ports"
check "manifest is an OCI image manifest" [ "$(json "$work/manifest.json" 'j.mediaType')" = application/vnd.oci.image.manifest.v1+json ]
check "user is numeric and not root ($user)" bash -c '[[ "$1" =~ ^[0-9]+(:[0-9]+)?$ ]] && [ "${1%%:*}" != 0 ]' _ "$user"
check "entrypoint runs java -jar /app/broker.jar" bash -c '[[ "$1" == java\ * && "$1" == *"-jar /app/broker.jar" ]]' _ "$entry"
for flag in -XX:+UseSerialGC -Xmx64m -XX:TieredStopAtLevel=1 -XX:SharedArchiveFile=/app/broker.jsa; do
  check "entrypoint sets $flag" bash -c '[[ " $1 " == *" $2 "* ]]' _ "$entry" "$flag"
done
check "cmd is --config /etc/token-broker/broker.yaml" [ "$cmd" = "--config /etc/token-broker/broker.yaml" ]
check "exposes 4004/tcp and 4007/tcp" [ "$ports" = "4004/tcp 4007/tcp" ]

echo "== layer contents"
mkdir -p "$work/oci"
tar -C "$work/oci" -xf "$image"
: >"$work/files.txt"
n=0
for d in $(json "$work/manifest.json" 'j.layers.map(l=>l.digest.replace("sha256:","")).join(" ")'); do
  n=$((n + 1))
  tar --warning=no-unknown-keyword -tzvf "$work/oci/blobs/sha256/$d" >"$work/layer$n.txt"
  echo "  layer $n: $(wc -l <"$work/layer$n.txt") entries, $(($(stat -c %s "$work/oci/blobs/sha256/$d") / 1024 / 1024)) MiB compressed"
  awk '{print $NF}' "$work/layer$n.txt" >>"$work/files.txt"
done
has() { grep -qxE "(\./)?$1" "$work/files.txt"; }
check "/app/broker.jar in a layer" has app/broker.jar
check "/app/broker.jsa (class-data archive) in a layer" has app/broker.jsa
check "the JRE (java-17-openjdk-amd64/bin/java)" has usr/lib/jvm/java-17-openjdk-amd64/bin/java
check "the JDK's base CDS archive (lib/server/classes.jsa)" has usr/lib/jvm/java-17-openjdk-amd64/lib/server/classes.jsa
grep -hE ' (\./)?app/broker\.(jar|jsa)$' "$work"/layer*.txt | sed 's/^/    /'
layer_digest() { # the layer whose listing has the path $1
  local f n
  f=$(grep -lE " (\./)?$1\$" "$work"/layer*.txt | head -1)
  n=$(basename "$f" .txt)
  json "$work/manifest.json" "j.layers[${n#layer}-1].digest.replace('sha256:','')"
}
app_digest=$(layer_digest 'app/broker\.jar')
mkdir -p "$work/app"
tar --warning=no-unknown-keyword -C "$work/app" -xzf "$work/oci/blobs/sha256/$app_digest" app/broker.jar 2>/dev/null || tar --warning=no-unknown-keyword -C "$work/app" -xzf "$work/oci/blobs/sha256/$app_digest" ./app/broker.jar
if [ -f "$out/jar.sha256" ]; then
  check "the image's broker.jar is the jar the archive was written for" \
    bash -c 'cd "$1/app/app" && sha256sum -c --quiet "$2" >/dev/null' _ "$work" "$out/jar.sha256"
fi
base_digest=$(layer_digest 'etc/passwd')
tar --warning=no-unknown-keyword -C "$work" -xzf "$work/oci/blobs/sha256/$base_digest" ./etc/passwd 2>/dev/null || tar --warning=no-unknown-keyword -C "$work" -xzf "$work/oci/blobs/sha256/$base_digest" etc/passwd
check "user 65532 (nonroot) in /etc/passwd" grep -q '^nonroot:x:65532:65532:' "$work/etc/passwd"

echo "== run with podman (load average: $(cut -d" " -f1-3 /proc/loadavg))"
podman_ok=true
apt_install podman:podman runc:runc || podman_ok=false
if [ "$podman_ok" = true ]; then
  printf '[containers]\ndefault_ulimits = []\n' >"$work/containers.conf"
  export CONTAINERS_CONF="$work/containers.conf"
  P=(podman --root "$out/podman/root" --runroot "$out/podman/run" --storage-driver vfs --runtime runc
     --cgroup-manager=cgroupfs --events-backend=file)
  if ! "${P[@]}" load -q -i "$image" >"$work/load.txt" 2>&1; then
    cat "$work/load.txt" >&2
    podman_ok=false
  fi
fi
if [ "$podman_ok" = false ]; then
  if [ "$ci" = true ]; then bad "podman cannot load the image here"; else echo "  skipped: podman cannot run containers here"; fi
else
  ref=$(sed -n 's/^Loaded image: //p' "$work/load.txt" | tail -1)
  echo "  image: $ref ($("${P[@]}" image inspect --format '{{.Size}}' "$ref" | awk '{printf "%.0f MB unpacked", $1/1e6}'))"

  free_port() { local p; while :; do p=$((20000 + RANDOM % 20000)); (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }; done; }
  idp_lib="$out/mock-idp-lib"
  if [ ! -d "$idp_lib" ]; then
    mvn -B -ntp -q -Dstyle.color=never -f "$root/deploy/local/mock-idp/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$idp_lib" -DincludeScope=runtime
  fi
  idp_port=$(free_port)
  SERVER_HOSTNAME=127.0.0.1 SERVER_PORT=$idp_port JSON_CONFIG_PATH="$root/deploy/local/mock-idp/config.json" \
    java -cp "$idp_lib/*" no.nav.security.mock.oauth2.StandaloneMockOAuth2ServerKt >"$work/idp.log" 2>&1 &
  idp_pid=$!
  deadline=$((SECONDS + 60))
  until curl -fsS -o /dev/null "http://127.0.0.1:$idp_port/default/.well-known/openid-configuration" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { bad "mock IdP did not start"; exit 1; }
    sleep 0.2
  done

  broker_port=$(free_port)
  mkdir -p "$work/etc" "$work/secret"
  # The client secret as Kubernetes mounts a Secret volume: a folder, the file a symlink to ..data/.
  mkdir -p "$work/secret/..2026_01_01_00_00_00.000000001"
  head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$work/secret/..2026_01_01_00_00_00.000000001/client-secret"
  ln -s ..2026_01_01_00_00_00.000000001 "$work/secret/..data"
  ln -s ..data/client-secret "$work/secret/client-secret"
  chmod -R a+rX "$work/secret" "$work/etc"
  cat >"$work/etc/broker.yaml" <<YAML
http: {host: 127.0.0.1, port: $broker_port}
idp:
  issuer: http://127.0.0.1:$idp_port/default
  clientId: demo-broker
  clientSecretFile: /var/run/secrets/token-broker/client-secret
eventBus:
  tcpBridge: {enabled: false}
tokens:
  - audience: https://students-api
    scopes: [read:students]
    prefetch: true
YAML
  chmod a+r "$work/etc/broker.yaml"
  # the pod's securityContext: read-only root, /tmp an emptyDir, no capabilities, no new privileges
  pod_opts=(--network host --read-only --tmpfs /tmp:rw,size=16m,mode=1777 --cap-drop=ALL
            --security-opt no-new-privileges)
  run_opts=("${pod_opts[@]}" -v "$work/etc:/etc/token-broker:ro" -v "$work/secret:/var/run/secrets/token-broker:ro")
  ms() { date +%s%3N; }
  # podman's own start cost, for reading the figures below: a container that runs `true`.
  cid=$("${P[@]}" create --entrypoint true "$ref")
  t0=$(ms); "${P[@]}" start -a "$cid" >/dev/null; echo "  podman start -a of a container running \`true\` (the runtime's own cost): $(( $(ms) - t0 )) ms"
  "${P[@]}" rm -f "$cid" >/dev/null; cid=""
  cgroup_limits=true
  if ! "${P[@]}" run --rm --memory 128m --cpus 0.5 --entrypoint true "$ref" >/dev/null 2>&1; then
    echo "  (the cgroup here takes no memory/CPU limits: starts without --memory/--cpus only)"
    cgroup_limits=false
  fi
  first=true
  rounds() { # label, podman limit options...
    local label=$1; shift
    local times=() jvm=() round ready t0 started body rss t_stop stop_ms code median mid
    for round in $(seq 1 "$n_rounds"); do
      cid=$("${P[@]}" create "${run_opts[@]}" "$@" "$ref")
      t0=$(ms)
      "${P[@]}" start "$cid" >/dev/null
      ready=""
      until [ -n "$ready" ]; do
        if curl -fsS -o /dev/null "http://127.0.0.1:$broker_port/health/ready" 2>/dev/null; then ready=$(ms); break; fi
        [ $(( $(ms) - t0 )) -lt 30000 ] || break
        sleep 0.02
      done
      if [ -z "$ready" ]; then
        bad "$label, round $round: not ready within 30 s"; "${P[@]}" logs "$cid" 2>&1 | tail -20 | sed 's/^/    /'
        "${P[@]}" rm -f "$cid" >/dev/null; cid=""
        return
      fi
      times+=($((ready - t0)))
      # when the runtime started the container's process (java), from podman's own record
      started=$(date -d "$("${P[@]}" inspect --format '{{.State.StartedAt}}' "$cid" | sed -E 's/ [A-Z]+$//')" +%s%3N)
      jvm+=($((ready - started)))
      if [ "$first" = true ]; then
        first=false
        body=$(curl -fsS -H 'Token-Broker-Request: true' \
          "http://127.0.0.1:$broker_port/v1/token?audience=https%3A%2F%2Fstudents-api&scope=read%3Astudents" || true)
        check "a token from the containerized broker" bash -c '[[ "$1" == *'"'"'"access_token":"ey'"'"'* ]]' _ "$body"
        check "runs as uid 65532" [ "$("${P[@]}" exec "$cid" id -u)" = 65532 ]
        rss=$("${P[@]}" exec "$cid" sh -c 'grep VmRSS /proc/1/status' | awk '{printf "%.1f", $2/1024}')
        echo "  resident memory after start and one token: $rss MiB"
        check "no class-data archive warning in the log (archive matches jar and JDK)" \
          bash -c '! "$@" logs "$0" 2>&1 | grep -iE "shared archive|cds|jar file is not the one"' "$cid" "${P[@]}"
        t_stop=$(ms)
        "${P[@]}" stop -t 10 "$cid" >/dev/null
        stop_ms=$(( $(ms) - t_stop ))
        code=$("${P[@]}" inspect --format '{{.State.ExitCode}}' "$cid")
        check "stops on SIGTERM within 5 s (${stop_ms} ms, exit $code)" \
          bash -c '[ "$1" -lt 5000 ] && { [ "$2" = 0 ] || [ "$2" = 143 ]; }' _ "$stop_ms" "$code"
      fi
      "${P[@]}" rm -f "$cid" >/dev/null
      cid=""
    done
    mid=$(( (n_rounds + 1) / 2 ))
    median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "${mid}p")
    echo "  podman start -> /health/ready 200, $label: ${times[*]} ms (median $median ms);" \
      "of which process start -> ready: ${jvm[*]} ms (median $(printf '%s\n' "${jvm[@]}" | sort -n | sed -n "${mid}p") ms)"
    check "ready within 10 s of container start, $label (median $median ms)" [ "$median" -lt 10000 ]
  }
  if [ "$quick" = true ]; then
    n_rounds=1
    rounds "no limits"
  else
    n_rounds=3
    if [ "$cgroup_limits" = true ]; then
      rounds "pod limits (--memory 128m --cpus 0.5)" --memory 128m --cpus 0.5
      rounds "--memory 128m --cpus 1" --memory 128m --cpus 1
    fi
    rounds "no limits"
    # The same without the class-data archive, for what the archive saves here.
    rounds "no limits, -Xshare:off (archive not used)" -e JAVA_TOOL_OPTIONS=-Xshare:off
  fi

  echo "== the pod's own broker.yaml (deploy/k8s/base, rendered): socket + management listener"
  # As in the pod: the rendered ConfigMap's broker.yaml, the env of the manifest, the socket folder
  # shared with the host (standing for the app container). Only the management port is moved to
  # a free one (the host network is shared here).
  mgmt_port=$(free_port)
  mkdir -p "$work/pod-etc" "$work/pod-sock"
  [ -d "$root/deploy/k8s/node_modules/yaml" ] || (cd "$root/deploy/k8s" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  (cd "$root/deploy/k8s" && node --input-type=module -e '
    import { render } from "./render.mjs";
    const cm = render("base").find((o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("token-broker-config"));
    process.stdout.write(cm.data["broker.yaml"]);') >"$work/pod-etc/broker.yaml"
  sed -i -E "s/^management: \{host: 0\.0\.0\.0, port: 4007\}/management: {host: 127.0.0.1, port: $mgmt_port}/" "$work/pod-etc/broker.yaml"
  grep -q "port: $mgmt_port" "$work/pod-etc/broker.yaml" || bad "could not move the management port in the rendered broker.yaml"
  chmod -R a+rX "$work/pod-etc"
  chown 65532:65532 "$work/pod-sock"
  pod_limits=()
  [ "$cgroup_limits" = false ] || pod_limits=(--memory 128m --cpus 0.5)
  cid=$("${P[@]}" create "${pod_opts[@]}" "${pod_limits[@]}" \
    -e TOKEN_BROKER_ISSUER="http://127.0.0.1:$idp_port/default" -e TOKEN_BROKER_CLIENT_ID=demo-broker \
    -v "$work/pod-etc:/etc/token-broker:ro" -v "$work/secret:/var/run/secrets/token-broker:ro" \
    -v "$work/pod-sock:/run/token-broker" "$ref")
  t0=$(ms)
  "${P[@]}" start "$cid" >/dev/null
  ready=""
  while [ $(( $(ms) - t0 )) -lt 30000 ]; do
    if curl -fsS -o /dev/null "http://127.0.0.1:$mgmt_port/health/ready" 2>/dev/null; then ready=$(ms); break; fi
    [ "$("${P[@]}" inspect --format '{{.State.Running}}' "$cid")" = true ] || break
    sleep 0.05
  done
  if [ -z "$ready" ] && "${P[@]}" logs "$cid" 2>&1 | grep -q 'config error:'; then
    reason=$("${P[@]}" logs "$cid" 2>&1 | grep -m1 -o 'config error: [^"]*')
    if [ "$ci" = true ]; then bad "this broker jar does not take the pod's broker.yaml ($reason)"
    else echo "  skipped: this broker jar does not take the pod's broker.yaml ($reason): build the image from a broker with issue 11's listeners"; fi
  elif [ -z "$ready" ]; then
    bad "the pod's broker.yaml: not ready on the management port within 30 s"
    "${P[@]}" logs "$cid" 2>&1 | tail -10 | sed 's/^/    /'
  else
    ok "ready on the management listener $((ready - t0)) ms after podman start (pod limits)"
    body=$(curl -fsS --unix-socket "$work/pod-sock/api.sock" -H 'Token-Broker-Request: true' \
      "http://localhost/v1/token?audience=https%3A%2F%2Fstudents-api&scope=read%3Astudents" || true)
    check "a token over the Unix socket /run/token-broker/api.sock" bash -c '[[ "$1" == *'"'"'"access_token":"ey'"'"'* ]]' _ "$body"
    check "socket mode 660, owned by 65532" [ "$(stat -c '%a %u' "$work/pod-sock/api.sock")" = "660 65532" ]
    check "no token endpoint on the management listener (404)" [ "$(curl -s -o /dev/null -w '%{http_code}' \
      -H 'Token-Broker-Request: true' "http://127.0.0.1:$mgmt_port/v1/token?audience=https%3A%2F%2Fstudents-api")" = 404 ]
    check "metrics on the management listener" bash -c 'curl -fsS "$1" | grep -q "^token_broker_"' _ "http://127.0.0.1:$mgmt_port/metrics"
    t_stop=$(ms)
    "${P[@]}" stop -t 10 "$cid" >/dev/null
    stop_ms=$(( $(ms) - t_stop ))
    check "stops on SIGTERM within shutdown.timeoutSeconds 5 s (${stop_ms} ms) and removes the socket" \
      bash -c '[ "$1" -lt 5000 ] && [ ! -e "$2" ]' _ "$stop_ms" "$work/pod-sock/api.sock"
  fi
  "${P[@]}" rm -f "$cid" >/dev/null
  cid=""
fi

echo "image: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
