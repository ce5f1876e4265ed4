-- The one wrk script of the benchmark (loadgen.py passes it to every wrk run).
--
-- Always: done() prints the 95th percentile ("bench-p95-us: N"), which wrk's --latency table
-- lacks (it has 50/75/90/99), for the issue's "search p95 under 25 ms".
--
-- With BENCH_TARGETS set, request() replays the requests listed in that file, one per line:
--     method <TAB> path <TAB> cookie <TAB> CSRF token <TAB> htmx (1/0) <TAB> form body
-- Python prepares them because wrk cannot log in or read a CSRF token itself: the htmx cart
-- buttons (buying.py), a customer's account page and inline edit (customers.py), and many
-- different search URLs that the page cache has not seen (varied.py). The list is walked in
-- order from line BENCH_START, so a run can go on where the previous one (the warm-up)
-- stopped instead of repeating its URLs. Without BENCH_TARGETS no request() is defined, and
-- wrk keeps its fast path of one pre-formatted request.
--
-- With BENCH_MARKER set, answers whose body contains it (stock or the 99-per-line limit
-- capped the quantity) are counted and printed as "bench-capped: N". response() is only
-- defined then: it makes wrk keep every body, which costs wrk CPU.

local targets = {}
local n = 0
local path = os.getenv("BENCH_TARGETS") or ""
local marker = os.getenv("BENCH_MARKER") or ""
local start = tonumber(os.getenv("BENCH_START") or "0") or 0
capped = 0 -- a global: done() reads it from each thread's own Lua state

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("id", #threads)
end

if path ~= "" then
   function init(args)
      for line in io.lines(path) do
         local method, target, cookie, token, hx, body =
            line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
         local headers = {}
         if cookie ~= "" then headers["Cookie"] = cookie end
         if token ~= "" then headers["X-CSRFToken"] = token end
         if hx == "1" then headers["HX-Request"] = "true" end
         if body ~= "" then
            headers["Content-Type"] = "application/x-www-form-urlencoded"
         else
            body = nil
         end
         -- Formatted once here, not per request: wrk's own CPU comes out of the server's share.
         table.insert(targets, wrk.format(method, target, headers, body))
      end
      -- With -t2 and more (-t1 is the default), each thread starts 997 lines further on:
      -- other carts, other URLs (wrk calls init before it knows how many threads follow).
      n = (start + ((id or 1) - 1) * 997) % #targets
   end

   function request()
      n = n % #targets + 1
      return targets[n]
   end
end

if marker ~= "" then
   function response(status, headers, body)
      if body and body:find(marker, 1, true) then
         capped = capped + 1
      end
   end
end

function done(summary, latency, requests)
   local total = 0
   for _, thread in ipairs(threads) do
      total = total + (thread:get("capped") or 0)
   end
   io.write(string.format("bench-capped: %d\n", total))
   io.write(string.format("bench-p95-us: %d\n", latency:percentile(95)))
end
