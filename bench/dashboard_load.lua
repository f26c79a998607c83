-- wrk script of bench/dashboard_load.py: GET the path given after "--", each request with the next session
-- cookie of the file given after it (one session key a line; none: no cookie, as a load balancer's probe),
-- as the TLS proxy would pass it on (X-Forwarded-Proto). Counts the answers that are not 200 and prints
-- the figures as one JSON line.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  path = args[1]
  cookies = {}
  if args[2] then
    for line in io.lines(args[2]) do
      if #line > 0 then table.insert(cookies, line) end
    end
  end
  -- Each thread starts at its own place in the list, so the threads read different members.
  position = (id * 7919) % math.max(#cookies, 1)
  not_ok = 0
end

function request()
  local headers = { ["X-Forwarded-Proto"] = "https" }
  if #cookies > 0 then
    position = position % #cookies + 1
    headers["Cookie"] = "sessionid=" .. cookies[position]
  end
  return wrk.format("GET", path, headers)
end

function response(status, headers, body)
  if status ~= 200 then not_ok = not_ok + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("not_ok") end
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "not_200": %d, "socket_errors": %d, ' ..
    '"p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f}\n',
    summary.requests, summary.duration / 1e6, bad,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
