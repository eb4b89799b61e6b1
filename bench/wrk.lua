-- wrk script of bench/datapath.py and bench/twin_servers.py (Slack and Okta benchmarks).
--
-- Environment (read by every wrk thread):
--   BENCH_METHOD   GET (default) or POST
--   BENCH_BODY     request body sent verbatim (POST)
--   BENCH_CONTENT_TYPE  its Content-Type (default application/json; a form for OAuth tokens)
--   BENCH_AUTH     value of the Authorization header, if set
--   BENCH_AUTHS    several such values separated by "|", used in turn (see below)
--
-- At the end it prints one line "BENCH_RESULT {json}" with the counts, the error counts
-- and the latency percentiles in microseconds; the drivers parse that line.

wrk.method = os.getenv("BENCH_METHOD") or "GET"

local body = os.getenv("BENCH_BODY")
if body ~= nil and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = os.getenv("BENCH_CONTENT_TYPE") or "application/json"
end

local auth = os.getenv("BENCH_AUTH")
if auth ~= nil and auth ~= "" then
  wrk.headers["Authorization"] = auth
end

-- BENCH_AUTHS: Authorization values separated by "|", taken in turn by each connection's requests
-- (one token per tenant spreads the load over tenants).
local auths = {}
for value in string.gmatch(os.getenv("BENCH_AUTHS") or "", "[^|]+") do
  auths[#auths + 1] = value
end
if #auths > 0 then
  local turn = math.random(#auths)
  request = function()
    turn = turn % #auths + 1
    wrk.headers["Authorization"] = auths[turn]
    return wrk.format()
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  local fields = {
    string.format('"requests":%d', summary.requests),
    string.format('"duration_us":%d', summary.duration),
    string.format('"bytes":%d', summary.bytes),
    string.format('"errors_connect":%d', e.connect),
    string.format('"errors_read":%d', e.read),
    string.format('"errors_write":%d', e.write),
    string.format('"errors_status":%d', e.status),
    string.format('"errors_timeout":%d', e.timeout),
    string.format('"mean_us":%.1f', latency.mean),
    string.format('"max_us":%d', latency.max),
  }
  for _, p in ipairs({50, 90, 99, 99.9}) do
    fields[#fields + 1] = string.format('"p%s_us":%d', tostring(p):gsub("%.", "_"), latency:percentile(p))
  end
  io.write("BENCH_RESULT {" .. table.concat(fields, ",") .. "}\n")
end
