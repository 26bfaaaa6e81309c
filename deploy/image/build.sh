#!/usr/bin/env bash
# Builds the broker's OCI image as a tarball, without a Docker daemon or a registry:
#   1. mmdebstrap: a Debian bookworm root filesystem (variant essential: no apt) with
#      openjdk-17-jre-headless and the bookworm-security updates, man pages and docs removed,
#      a user nonroot (uid/gid 65532);
#   2. the class-data archive (AppCDS) of the broker jar, written by that rootfs's own JVM
#      (chroot) during one start against a local mock IdP, with the jar at /app/broker.jar and
#      stamped 1970-01-01T00:00:01Z exactly as Jib will stamp it (the JVM checks path, size and
#      time of the jar, and the JDK build, before it maps the archive);
#   3. umoci + skopeo: the rootfs as a one-layer base image, saved as a docker-archive tarball;
#   4. Jib (jib-maven-plugin 3.5.2, deploy/image/pom.xml) jib:buildTar from tar://<base> adding
#      /app/broker.jar and /app/broker.jsa as one layer, the user, ports, entrypoint and flags.
# Output: deploy/image/target/token-broker-image.tar (OCI layout tarball).
# Installs mmdebstrap, umoci and skopeo from Debian when missing; builds broker/target/broker.jar
# when missing. Needs root (mmdebstrap's root mode, chroot). About 2 minutes here.
#
# Usage: deploy/image/build.sh [--rebuild-base]
#   --rebuild-base  make the rootfs again even when target/rootfs.tar exists (it is made again
#                   anyway when broker.jar changed, since the archive must match the jar)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$here/target"
mkdir -p "$out"
rebuild_base=false
for arg in "$@"; do
  case "$arg" in
    --rebuild-base) rebuild_base=true ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done
t0=$SECONDS
step() { printf '== [%3ds] %s\n' $((SECONDS - t0)) "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  echo "build.sh needs root (mmdebstrap root mode and chroot); run it with sudo" >&2
  exit 1
fi

need=()
command -v mmdebstrap >/dev/null 2>&1 || need+=(mmdebstrap)
command -v umoci >/dev/null 2>&1 || need+=(umoci)
command -v skopeo >/dev/null 2>&1 || need+=(skopeo)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  step "installing from Debian: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

jar="$root/broker/target/broker.jar"
if [ ! -f "$jar" ]; then
  step "building broker/target/broker.jar"
  (cd "$root" && mvn -B -ntp -q -Dstyle.color=never -pl broker -am package -DskipTests)
fi

free_port() { # a port nothing listens on now, on 127.0.0.1
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

rootfs="$out/rootfs"
rootfs_tar="$out/rootfs.tar"
# The archive belongs to this exact jar: a new jar means a new archive (and so a new rootfs run).
if ! (cd "$(dirname "$jar")" && sha256sum -c --quiet "$out/jar.sha256" >/dev/null 2>&1); then
  rebuild_base=true
fi
if [ "$rebuild_base" = true ] || [ ! -f "$rootfs_tar" ]; then
  rm -rf "$rootfs" "$rootfs_tar"
  step "mmdebstrap: bookworm + openjdk-17-jre-headless into $rootfs"
  mmdebstrap --quiet --variant=essential --mode=root --format=directory \
    --include=openjdk-17-jre-headless \
    bookworm "$rootfs" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main"

  # No manuals, docs or translations in the image (the licences stay). Removed after the install:
  # dpkg's path-exclude breaks openjdk's postinst (update-alternatives links into man1).
  find "$rootfs/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$rootfs/usr/share/man/"* "$rootfs/usr/share/info/"* "$rootfs/usr/share/locale/"*

  # The unprivileged user (distroless's numeric id), the config and socket folders.
  echo 'nonroot:x:65532:65532:nonroot:/home/nonroot:/usr/sbin/nologin' >>"$rootfs/etc/passwd"
  echo 'nonroot:x:65532:' >>"$rootfs/etc/group"
  echo 'nonroot:!:19000::::::' >>"$rootfs/etc/shadow"
  install -d -m 0755 -o 65532 -g 65532 "$rootfs/home/nonroot" "$rootfs/run/token-broker"
  install -d -m 0755 "$rootfs/etc/token-broker"
  rm -rf "$rootfs/var/cache/apt/"* "$rootfs/var/lib/apt/lists/"* "$rootfs/var/log/"*.log
  # The archive is written by this rootfs's JVM: keep its version for the test and the README.
  unshare --mount --fork sh -c 'mount -t proc proc "$1/proc" && exec chroot "$1" java -version' \
    sh "$rootfs" 2>"$out/jdk-version.txt" || true

  step "class-data archive: one start of the broker in the rootfs against a local mock IdP"
  idp_lib="$out/mock-idp-lib"
  if [ ! -d "$idp_lib" ]; then
    mvn -B -ntp -q -Dstyle.color=never -f "$root/deploy/local/mock-idp/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$idp_lib" -DincludeScope=runtime >"$out/mock-idp-mvn.log" 2>&1 \
      || { cat "$out/mock-idp-mvn.log" >&2; exit 1; }
  fi
  idp_port=$(free_port)
  broker_port=$(free_port)
  bridge_port=$(free_port)
  SERVER_HOSTNAME=127.0.0.1 SERVER_PORT=$idp_port JSON_CONFIG_PATH="$root/deploy/local/mock-idp/config.json" \
    java -cp "$idp_lib/*" no.nav.security.mock.oauth2.StandaloneMockOAuth2ServerKt >"$out/cds-idp.log" 2>&1 &
  idp_pid=$!
  broker_pid=""
  cleanup_training() {
    [ -z "$broker_pid" ] || kill "$broker_pid" 2>/dev/null || true
    kill "$idp_pid" 2>/dev/null || true
  }
  trap cleanup_training EXIT
  deadline=$((SECONDS + 60))
  until curl -fsS -o /dev/null "http://127.0.0.1:$idp_port/default/.well-known/openid-configuration" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { echo "mock IdP did not start (see $out/cds-idp.log)" >&2; exit 1; }
    sleep 0.2
  done

  install -d -m 0755 "$rootfs/app"
  install -m 0644 "$jar" "$rootfs/app/broker.jar"
  touch -d @1 "$rootfs/app/broker.jar"
  cat >"$rootfs/tmp/cds.yaml" <<YAML
http: {host: 127.0.0.1, port: $broker_port}
idp:
  issuer: http://127.0.0.1:$idp_port/default
  clientId: demo-broker
  clientSecret: image-build-only
eventBus:
  tcpBridge: {enabled: true, host: 127.0.0.1, port: $bridge_port}
tokens:
  - audience: https://students-api
    scopes: [read:students]
    prefetch: true
YAML
  # chroot in a private mount namespace: /proc and /dev are mounted for the JVM and vanish with it.
  # Same flags as the image's entrypoint, writing the archive instead of reading it.
  unshare --mount --fork sh -c '
    mount -t proc proc "$1/proc" && mount --rbind /dev "$1/dev" &&
    exec chroot "$1" java -XX:+UseSerialGC -Xms16m -Xmx64m -XX:MaxMetaspaceSize=64m -Xss512k \
      -XX:TieredStopAtLevel=1 -XX:TrimNativeHeapInterval=5000 \
      -XX:ArchiveClassesAtExit=/app/broker.jsa -jar /app/broker.jar --config /tmp/cds.yaml' \
    sh "$rootfs" >"$out/cds-broker.log" 2>&1 &
  broker_pid=$!
  deadline=$((SECONDS + 60))
  until curl -fsS -o /dev/null "http://127.0.0.1:$broker_port/health/ready" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { echo "broker did not get ready (see $out/cds-broker.log)" >&2; exit 1; }
    sleep 0.2
  done
  # Exercise the token path so its classes are in the archive too.
  for _ in 1 2 3; do
    curl -fsS -o /dev/null -H 'Token-Broker-Request: true' \
      "http://127.0.0.1:$broker_port/v1/token?audience=https%3A%2F%2Fstudents-api&scope=read%3Astudents"
  done
  curl -fsS -o /dev/null "http://127.0.0.1:$broker_port/metrics" || true
  # SIGTERM to the JVM (the child of unshare): it writes the archive on its way out.
  jvm_pid=$(pgrep -P "$broker_pid" || true)
  kill -TERM "${jvm_pid:-$broker_pid}"
  wait "$broker_pid" || true
  broker_pid=""
  cleanup_training
  trap - EXIT
  [ -s "$rootfs/app/broker.jsa" ] || { echo "no class-data archive written (see $out/cds-broker.log)" >&2; exit 1; }
  (cd "$(dirname "$jar")" && sha256sum broker.jar) >"$out/jar.sha256"

  # The app layer is Jib's: take the archive out of the base.
  mkdir -p "$out/app-layer/app"
  mv "$rootfs/app/broker.jsa" "$out/app-layer/app/broker.jsa"
  rm -rf "$rootfs/app" "$rootfs/tmp/"* "$rootfs/tmp/".[!.]* 2>/dev/null || true

  step "rootfs.tar (numeric owners; /dev, /proc, /sys left to the runtime)"
  tar -C "$rootfs" --numeric-owner --xattrs --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
    -cf "$rootfs_tar" .
  rm -rf "$rootfs"
else
  step "reusing $rootfs_tar (--rebuild-base to make it again)"
  [ -s "$out/app-layer/app/broker.jsa" ] || { echo "missing $out/app-layer/app/broker.jsa: run with --rebuild-base" >&2; exit 1; }
fi

install -m 0644 "$jar" "$out/app-layer/app/broker.jar"
touch -d @1 "$out/app-layer/app/broker.jar" "$out/app-layer/app/broker.jsa"

step "umoci: the rootfs as a one-layer base image; skopeo: saved as a docker-archive"
rm -rf "$out/oci-base" "$out/base.tar"
umoci init --layout "$out/oci-base"
umoci new --image "$out/oci-base:bookworm"
umoci raw add-layer --image "$out/oci-base:bookworm" "$rootfs_tar"
umoci config --image "$out/oci-base:bookworm" --os linux --architecture amd64 \
  --config.env 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --config.user 65532:65532
skopeo copy --quiet "oci:$out/oci-base:bookworm" "docker-archive:$out/base.tar:token-broker-base:bookworm"

step "Jib: jib:buildTar from tar://$out/base.tar"
rm -f "$out/token-broker-image.tar"
mkdir -p "$out/classes"   # Jib wants the (empty) class output of its project
mvn -B -ntp -q -Dstyle.color=never -f "$here/pom.xml" com.google.cloud.tools:jib-maven-plugin:3.5.2:buildTar \
  -Dimage.base="tar://$out/base.tar" -Dimage.tar="$out/token-broker-image.tar" \
  -Dimage.layer="$out/app-layer" >"$out/jib.log" 2>&1 || { cat "$out/jib.log" >&2; exit 1; }

# The intermediate base image is made again each time (rootfs.tar is kept for the next build).
rm -rf "$out/oci-base" "$out/base.tar"
size=$(stat -c %s "$out/token-broker-image.tar")
step "done: $out/token-broker-image.tar ($((size / 1024 / 1024)) MiB)"
