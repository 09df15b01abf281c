-- Scenario "deputy": GET /api/v1/deputies/{id} with a random seeded deputy on every request.
--
-- The ids are read from a text file, one per line; run.sh writes it from target/ids.json as
-- target/deputy_ids.txt (override with BENCH_DEPUTY_IDS).
local dir = os.getenv("BENCH_DIR") or "bench/directory"
dofile(dir .. "/report.lua")

local ids_file = os.getenv("BENCH_DEPUTY_IDS") or (dir .. "/target/deputy_ids.txt")
local ids = {}

function init(args)
   seed_random()
   for line in io.lines(ids_file) do
      if #line > 0 then ids[#ids + 1] = line end
   end
   if #ids == 0 then
      error("no deputy ids in " .. ids_file)
   end
end

function request()
   return wrk.format("GET", "/api/v1/deputies/" .. ids[math.random(#ids)])
end
