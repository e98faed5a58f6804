#!/usr/bin/env bash
# Runs the committed Postman collection with newman (npm), then validates real answers
# against openapi/openapi.json (scripts/openapi_check.py), against a service started from
# the build that `cargo test` made, on its own port and storage. Exits non-zero on any
# failed request, assertion or answer that does not match the document.
set -euo pipefail
cd "$(dirname "$0")/.."
NODE_DIR=target/ci-node
if [ ! -x "$NODE_DIR/node_modules/.bin/newman" ]; then
  npm install --silent --no-save --no-audit --no-fund --prefix "$NODE_DIR" newman@6.2.2 >/dev/null
fi
PORT=18080
DATA=$(mktemp -d)
PV_LISTEN=127.0.0.1:$PORT PV_STORAGE_URL="file://$DATA" RUST_LOG=warn \
  ./target/debug/passport-vision serve &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 100); do
  curl -sf "127.0.0.1:$PORT/readyz" >/dev/null && break
  sleep 0.2
done
"$NODE_DIR/node_modules/.bin/newman" run postman/passport-vision.postman_collection.json \
  -e postman/local.postman_environment.json --env-var "baseUrl=http://127.0.0.1:$PORT" \
  --working-dir . --reporters cli
python3 scripts/openapi_check.py "http://127.0.0.1:$PORT" pv-dev-kredibel-key pv-dev pv-dev-password
