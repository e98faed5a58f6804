-- wrk script for scripts/load.sh: POSTs the body in $PV_LOAD_BODY ($PV_LOAD_TYPE, JSON
-- by default) with the headers
-- given, and prints one line: requests/s, p50 ms, p99 ms, non-2xx answers.
wrk.method = "POST"
wrk.headers["Content-Type"] = os.getenv("PV_LOAD_TYPE") or "application/json"
local auth = os.getenv("PV_LOAD_AUTH")
if auth and auth ~= "" then
  wrk.headers["Authorization"] = auth
end
local f = assert(io.open(os.getenv("PV_LOAD_BODY"), "rb"))
wrk.body = f:read("*a")
f:close()

done = function(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format("RESULT %.1f %.1f %.1f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    non2xx, summary.requests))
end
