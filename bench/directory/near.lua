-- Scenario "near": GET /api/v1/stations?near=LAT,LNG&radius_km=R&limit=20 with the point drawn
-- uniformly from the seeded box on every request.
--
-- The box comes from the environment (run.sh sets it from target/ids.json):
--   BENCH_LAT, BENCH_LNG         centre (GCJ-02), default 30.27,120.15
--   BENCH_HALF_LAT, BENCH_HALF_LNG  half the side of the box in degrees (default ~15 km)
--   BENCH_RADIUS_KM              search radius (default 5)
local dir = os.getenv("BENCH_DIR") or "bench/directory"
dofile(dir .. "/report.lua")

local function env_number(name, default)
   local v = os.getenv(name)
   return (v and tonumber(v)) or default
end

local lat0 = env_number("BENCH_LAT", 30.27)
local lng0 = env_number("BENCH_LNG", 120.15)
local half_lat = env_number("BENCH_HALF_LAT", 0.134747)
local half_lng = env_number("BENCH_HALF_LNG", 0.156047)
local radius = env_number("BENCH_RADIUS_KM", 5)

function init(args)
   seed_random()
end

function request()
   local lat = lat0 + (math.random() * 2 - 1) * half_lat
   local lng = lng0 + (math.random() * 2 - 1) * half_lng
   local path = string.format("/api/v1/stations?near=%.6f,%.6f&radius_km=%s&limit=20", lat, lng, radius)
   return wrk.format("GET", path)
end
