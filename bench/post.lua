-- wrk script for the benchmark's htmx POSTs (add to cart, cart line +1); see bench/buying.py.
--
-- wrk cannot log in or read a CSRF token itself, so buying.py prepares the sessions in Python
-- and writes one request per line to the file named by BENCH_TARGETS:
--     session cookie <TAB> CSRF token <TAB> path <TAB> form body
-- The lines are interleaved so that requests in flight together belong to different carts.
-- Answers whose body contains BENCH_MARKER (stock or the 99-per-line limit capped the
-- quantity) are counted and printed as "bench-capped: N" for loadgen.parse.

local targets = {}
local n = 0
local marker = os.getenv("BENCH_MARKER") or ""
capped = 0 -- a global: done() reads it from each thread's own Lua state

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("id", #threads)
end

function init(args)
   for line in io.lines(os.getenv("BENCH_TARGETS")) do
      local cookie, token, path, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      -- Formatted once here, not per request: wrk's own CPU comes out of the server's share.
      table.insert(targets, wrk.format("POST", path, {
         ["Cookie"] = cookie,
         ["X-CSRFToken"] = token,
         ["HX-Request"] = "true",
         ["Content-Type"] = "application/x-www-form-urlencoded",
      }, body))
   end
   -- With -t2 and more, start each thread elsewhere in the list (other carts).
   n = ((id or 1) - 1) * 7 % #targets
end

function request()
   n = n % #targets + 1
   return targets[n]
end

function response(status, headers, body)
   if marker ~= "" and body and body:find(marker, 1, true) then
      capped = capped + 1
   end
end

function done(summary, latency, requests)
   local total = 0
   for _, thread in ipairs(threads) do
      total = total + (thread:get("capped") or 0)
   end
   io.write(string.format("bench-capped: %d\n", total))
end
