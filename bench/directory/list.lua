-- Scenario "list": GET /api/v1/stations?limit=20 (the path is given on the wrk command line).
local dir = os.getenv("BENCH_DIR") or "bench/directory"
dofile(dir .. "/report.lua")
