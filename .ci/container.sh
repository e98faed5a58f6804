#!/usr/bin/env bash
# Builds the image with podman from the binary `cargo test` built, starts it with
# compose.yaml (podman-compose), and runs the Postman collection against it; then starts
# compose.scale.yaml's two replicas over S3 (moto on this host, from .ci/run's PyPI
# packages) and uses a token from one replica on the other.
#
# The machine has no Docker daemon and no registry: Debian's podman (with runc: crun
# fails here on RLIMIT_NOFILE), a debian:bookworm-slim made by debootstrap and imported
# under that name so the Dockerfile builds unchanged, and podman-compose from PyPI.
# If podman cannot start even that base image on this host, the step says so and ends
# without failing (an infrastructure limit); any failure after that fails CI.
set -euo pipefail
cd "$(dirname "$0")/.."
PKGS="podman runc uidmap slirp4netns fuse-overlayfs debootstrap"
# shellcheck disable=SC2086
if ! dpkg -s $PKGS >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $PKGS >/dev/null
fi
python3 -m pip install -q -r .ci/requirements-container.txt
export CONTAINERS_CONF="$PWD/target/ci-containers.conf"
mkdir -p target
cat > "$CONTAINERS_CONF" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
if ! podman image exists debian:bookworm-slim; then
  rm -rf target/ci-rootfs
  debootstrap --variant=minbase bookworm target/ci-rootfs http://deb.debian.org/debian >/dev/null
  tar -C target/ci-rootfs -c . | podman import - debian:bookworm-slim >/dev/null
  rm -rf target/ci-rootfs
fi
if ! out=$(podman run --rm debian:bookworm-slim true 2>&1); then
  echo "SKIPPED container test: podman cannot run containers on this host: $out"
  exit 0
fi
# The image takes the test build's binary without its debug information (objcopy, from
# binutils beside gcc). A debug build's binary is mostly DWARF, and podman stores a layer
# twice (its blob and its unpacked files): with the whole binary, CI's disk filled up while
# podman committed the COPY layer.
mkdir -p target/ci-image
objcopy --strip-debug target/debug/passport-vision target/ci-image/passport-vision
echo "container image: binary $(du -m target/debug/passport-vision | cut -f1) MB," \
  "$(du -m target/ci-image/passport-vision | cut -f1) MB without debug information;" \
  "$(df -m --output=avail "$(podman info --format '{{.Store.GraphRoot}}')" | tail -1 | tr -d ' ') MB free for podman"
# The docker image format keeps HEALTHCHECK (OCI has none).
export BUILDAH_FORMAT=docker
export PV_BUILD_TARGET=prebuilt PV_BINARY=target/ci-image/passport-vision PV_PORT=18092 \
  PV_PUBLIC_URL=http://127.0.0.1:18092
podman-compose build >/dev/null
podman-compose up -d >/dev/null
trap 'podman-compose down -v >/dev/null 2>&1 || true' EXIT
for _ in $(seq 100); do
  curl -sf "127.0.0.1:$PV_PORT/readyz" >/dev/null && break
  sleep 0.2
done
podman healthcheck run "$(podman ps -q --filter name=passport-vision | head -1)"
NEWMAN=target/ci-node/node_modules/.bin/newman
"$NEWMAN" run postman/passport-vision.postman_collection.json \
  -e postman/local.postman_environment.json --env-var "baseUrl=$PV_PUBLIC_URL" \
  --working-dir . --reporters cli
podman-compose down -v >/dev/null 2>&1
trap - EXIT

# Scale-out: the two replicas of compose.scale.yaml over one bucket of moto's S3, reached at
# this host's address (a name such as host.containers.internal would read to moto as a
# virtual-hosted bucket).
MOTO_PORT=18093
moto_server -H 0.0.0.0 -p "$MOTO_PORT" >/dev/null 2>&1 &
MOTO=$!
trap 'podman-compose -f compose.scale.yaml down >/dev/null 2>&1 || true; kill $MOTO 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -s -o /dev/null "127.0.0.1:$MOTO_PORT" && break
  sleep 0.2
done
curl -sf -X PUT "http://127.0.0.1:$MOTO_PORT/pv-ci" >/dev/null
HOST_IP=$(hostname -I | awk '{print $1}')
export PV_S3_ENDPOINT="http://$HOST_IP:$MOTO_PORT" PV_S3_BUCKET=pv-ci AWS_ACCESS_KEY_ID=test \
  AWS_SECRET_ACCESS_KEY=test PV_PORT_A=18094 PV_PORT_B=18095 PV_PUBLIC_URL=http://127.0.0.1:18094
podman-compose -f compose.scale.yaml up -d >/dev/null
for port in "$PV_PORT_A" "$PV_PORT_B"; do
  for _ in $(seq 150); do
    curl -sf "127.0.0.1:$port/readyz" >/dev/null && break
    sleep 0.2
  done
done
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
LOGIN=$(curl -sf "127.0.0.1:$PV_PORT_A/api/v2/patrons/login" -H 'content-type: application/json' \
  -d '{"username":"pv-dev","password":"pv-dev-password"}')
TOKEN=$(echo "$LOGIN" | json '["id"]')
PATRON=$(echo "$LOGIN" | json '["userId"]')
IDENTITY=$(curl -sf "127.0.0.1:$PV_PORT_B/api/v2/patrons/$PATRON/identities" \
  -H "Authorization: $TOKEN" -H 'content-type: application/json' -d '{"type":"passport","images":[]}')
test "$(echo "$IDENTITY" | json '["patronId"]')" = "$PATRON"
echo "compose.scale.yaml: a token issued by replica A created an identity on replica B"
