#!/usr/bin/env bash
# Load test of a release build (issue #11): throughput, p50/p99 latency and the process's
# peak RSS at each concurrency, for the Kredibel endpoint and for Signzy's faceExtraction,
# with wrk (Debian package `wrk`). Prints a Markdown table.
#
#   cargo build --release && scripts/load.sh [seconds per step, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-10}"
PORT=18181
WORK=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT

PV_LISTEN=127.0.0.1:$PORT PV_STORAGE_URL="file://$WORK/data" PV_KREDIBEL_API_KEYS=load-key \
  PV_SIGNZY_USERS=load:load-pw RUST_LOG=warn ./target/release/passport-vision serve &
PID=$!
for _ in $(seq 50); do curl -sf "127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

# Kredibel: the TD3 fixture page as a JPEG (a phone-sized upload).
python3 - "$WORK" <<'PY'
import base64, io, json, sys
from PIL import Image
img = Image.open("fixtures/pages/td3_passport_portrait.png").convert("RGB")
buf = io.BytesIO(); img.save(buf, "JPEG", quality=90)
open(f"{sys.argv[1]}/kredibel.json", "w").write(json.dumps({"image": base64.b64encode(buf.getvalue()).decode()}))
open(f"{sys.argv[1]}/page.b64", "w").write(base64.b64encode(buf.getvalue()).decode())
# The worst upload /v1/read takes: 36 MP (the pixel limit) of noise, about 15 MB as JPEG.
import random
rng = random.Random(7)
noise = Image.frombytes("RGB", (6000, 6000), rng.randbytes(6000 * 6000 * 3))
noise.save(f"{sys.argv[1]}/big.jpg", "JPEG", quality=60)
PY

# Signzy: log in, create an identity, upload the page once; every request extracts the face.
post() { curl -sf "127.0.0.1:$PORT$1" -H 'content-type: application/json' ${3:+-H "Authorization: $3"} -d "$2"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
LOGIN=$(post /api/v2/patrons/login '{"username":"load","password":"load-pw"}')
TOKEN=$(echo "$LOGIN" | field '["id"]'); PATRON=$(echo "$LOGIN" | field '["userId"]')
ID=$(post "/api/v2/patrons/$PATRON/identities" '{"type":"passport","images":[]}' "$TOKEN")
ITEM=$(echo "$ID" | field '["id"]'); ACCESS=$(echo "$ID" | field '["accessToken"]')
URL=$(post /api/base64 "{\"base64String\":\"$(cat "$WORK/page.b64")\",\"mimetype\":\"image/jpeg\",\"ttl\":\"1 hr\"}" | field '["file"]["directURL"]')
echo "{\"service\":\"Identity\",\"itemId\":\"$ITEM\",\"accessToken\":\"$ACCESS\",\"task\":\"faceExtraction\",\"essentials\":{\"url\":\"$URL\"}}" > "$WORK/snoop.json"

echo "| route | concurrency | requests/s | p50 ms | p99 ms | non-2xx | peak RSS MB |"
echo "|---|---|---|---|---|---|---|"
run() { # name path body auth concurrency
  local out
  local threads=$(( $5 < 2 ? 1 : 2 ))
  out=$(PV_LOAD_BODY="$3" PV_LOAD_AUTH="$4" PV_LOAD_TYPE="${PV_LOAD_TYPE:-application/json}" wrk -t"$threads" -c"$5" -d"${SECS}s" --timeout 30s \
    -s scripts/load.lua "http://127.0.0.1:$PORT$2" | grep '^RESULT')
  local hwm
  hwm=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$PID/status")
  read -r _ rps p50 p99 bad total <<<"$out"
  echo "| $1 | $5 | $rps | $p50 | $p99 | $bad of $total | $hwm |"
}
for c in 1 4 16 64 400; do
  run kredibel /v1/ocr/id/passport "$WORK/kredibel.json" "Bearer load-key" "$c"
done
for c in 1 4 16 64; do
  run faceExtraction /api/v2/snoops "$WORK/snoop.json" "" "$c"
done
# 400 clients each sending 15 MB: the body budget and the queue hold memory down.
for c in 4 400; do
  PV_LOAD_TYPE=application/octet-stream run "/v1/read, 15 MB" "/v1/read?key=load-key" "$WORK/big.jpg" "" "$c"
done
