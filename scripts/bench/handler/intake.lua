-- wrk script for scripts/bench-handler.sh: each thread posts QUOTA distinct intake forms (the
-- answers differ, so the handler's idempotency cannot merge them) and waits for their answers;
-- then it stops and leaves a file in DONE_DIR, and the script
-- interrupts wrk (which otherwise runs for its whole -d duration) once every thread is done.
-- Answers are made up; no real person's data.
local quota = tonumber(os.getenv("QUOTA") or "500")
local done_dir = os.getenv("DONE_DIR")
local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  threads[counter] = thread
  counter = counter + 1
end

sent = 0
stored = 0
other = 0
first_call = true
finished = false
headers = {
  ["Content-Type"] = "application/x-www-form-urlencoded",
  ["Sec-Fetch-Site"] = "same-origin",
}

local function body(n)
  local who = string.format("t%d-n%d", id, n)
  return "lang=en&name=Bench+Person+" .. who
    .. "&email=bench-" .. who .. "%40example.ca"
    .. "&language=en&contact_method=email-only&group_type=informal-group"
    .. "&composition=Peers+of+any+age&member_status=veteran"
    .. "&adult=yes&affected=yes&device=yes&intake_meeting=yes&consent_contact=yes&website="
end

-- Once this thread has sent its share, its connections wait (an hour, far beyond the run)
-- instead of asking for anything else, so the latency figures are the submissions' own.
function delay()
  if sent >= quota then
    return 3600000
  end
  return 0
end

function request()
  -- wrk calls request() once in the first thread's state to check the script, and never sends
  -- that request: let it be a health check, so that every POST made is a POST sent.
  if first_call then
    first_call = false
    if id == 1 then
      return wrk.format("GET", "/api/health")
    end
  end
  if sent < quota then
    sent = sent + 1
    return wrk.format("POST", "/api/forms/intake", headers, body(sent))
  end
  return wrk.format("GET", "/api/health")
end

function response(status, headers, body)
  if status == 303 then
    stored = stored + 1
  elseif status ~= 200 then
    other = other + 1
  end
  if stored + other >= quota and not finished then
    finished = true
    if done_dir then
      local marker = io.open(done_dir .. "/thread-" .. id, "w")
      marker:close()
    end
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local stored, other = 0, 0
  for _, thread in ipairs(threads) do
    stored = stored + thread:get("stored")
    other = other + thread:get("other")
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("BENCH accepted=%d refused=%d requests=%d seconds=%.2f rps=%.1f p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f socket_errors=%d\n",
    stored, other, summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
