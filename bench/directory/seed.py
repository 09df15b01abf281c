#!/usr/bin/env python3
"""Seeds a running lianluo service with a directory to load-test.

Creates one district, 10 towns under it, N stations spread over the towns (GCJ-02 coordinates
scattered in a ~30 km box around the centre) and M deputies, each stationed at 1-2 random
stations. Writes the ids and the box to ``target/ids.json`` next to this script for the load
step (run.sh / near.lua / deputy.lua).

Standard library only. Any non-2xx response stops the run with a non-zero exit code.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "target" / "ids.json"

TOWNS = 10
CENTRE_LAT = 30.27
CENTRE_LNG = 120.15
# Half the side of the box, in kilometres (the box is ~30 km x 30 km).
HALF_SIDE_KM = 15.0
KM_PER_DEG_LAT = 111.32

LEVELS = ["national", "provincial", "city", "county", "township"]
# Mostly local deputies, as in a real district.
LEVEL_WEIGHTS = [1, 3, 8, 40, 48]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
OCCUPATIONS = ["社区卫生服务中心主任", "小学教师", "企业职工", "个体工商户", "村党支部书记", "律师", "农民"]


class SeedError(Exception):
    """A request that did not get a 2xx answer (or no answer at all)."""


class Client:
    """A tiny JSON client that signs in, and signs in again when the access token expires."""

    def __init__(self, base_url: str, username: str, password: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.username = username
        self.password = password
        self.timeout = timeout
        self._token: str | None = None
        self._token_lock = threading.Lock()
        self._generation = 0

    def _raw(self, method: str, path: str, body: object | None, token: str | None):
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token is not None:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()
        except (urllib.error.URLError, OSError) as err:
            raise SeedError(f"{method} {path}: no response: {err}") from err

    def login(self, seen_generation: int | None = None) -> None:
        """Signs in; with `seen_generation`, only if no other thread already did since."""
        with self._token_lock:
            if seen_generation is not None and seen_generation != self._generation:
                return
            status, body = self._raw(
                "POST",
                "/api/v1/auth/login",
                {"username": self.username, "password": self.password},
                None,
            )
            if not 200 <= status < 300:
                raise SeedError(f"POST /api/v1/auth/login -> {status}: {_text(body)}")
            self._token = json.loads(body)["access_token"]
            self._generation += 1

    def call(self, method: str, path: str, body: object | None = None) -> dict:
        for attempt in range(2):
            with self._token_lock:
                token, generation = self._token, self._generation
            status, raw = self._raw(method, path, body, token)
            if status == 401 and attempt == 0:
                # The access token expired: sign in again (once) and retry.
                self.login(seen_generation=generation)
                continue
            if not 200 <= status < 300:
                raise SeedError(
                    f"{method} {path} -> {status}: {_text(raw)}\n  request body: {json.dumps(body, ensure_ascii=False)}"
                )
            return json.loads(raw) if raw else {}
        raise AssertionError("unreachable")


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace").strip() or "<empty body>"


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base-url", default="http://127.0.0.1:8080")
    p.add_argument("--username", required=True, help="a global administrator")
    p.add_argument(
        "--password",
        default=os.environ.get("LIANLUO_BENCH_PASSWORD"),
        help="the administrator's password (default: $LIANLUO_BENCH_PASSWORD)",
    )
    p.add_argument("--stations", type=int, default=1000)
    p.add_argument("--deputies", type=int, default=10000)
    p.add_argument("--workers", type=int, default=8)
    p.add_argument("--district-name", default="基准区", help="name of the district created")
    p.add_argument("--seed", type=int, default=20260101, help="random seed (reproducible data)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"ids file (default {DEFAULT_OUT})")
    args = p.parse_args(argv)
    if not args.password:
        p.error("--password (or $LIANLUO_BENCH_PASSWORD) is required")
    if args.stations < 1 or args.deputies < 0 or args.workers < 1:
        p.error("--stations must be at least 1, --deputies at least 0, --workers at least 1")
    return args


def box() -> dict:
    half_lat = HALF_SIDE_KM / KM_PER_DEG_LAT
    half_lng = HALF_SIDE_KM / (KM_PER_DEG_LAT * math.cos(math.radians(CENTRE_LAT)))
    return {
        "latitude": CENTRE_LAT,
        "longitude": CENTRE_LNG,
        "half_lat": round(half_lat, 6),
        "half_lng": round(half_lng, 6),
    }


def run_pool(workers: int, fn, jobs: list, label: str) -> list:
    """Runs fn over jobs in a thread pool, in order; the first failure stops everything."""
    results: list = [None] * len(jobs)
    done = 0
    done_lock = threading.Lock()
    step = max(1, len(jobs) // 10)

    def one(i: int):
        nonlocal done
        results[i] = fn(jobs[i])
        with done_lock:
            done += 1
            if done % step == 0 or done == len(jobs):
                print(f"  {label}: {done}/{len(jobs)}", flush=True)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(one, i) for i in range(len(jobs))]
        finished, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for f in finished:
            if f.exception() is not None:
                for other in futures:
                    other.cancel()
                raise f.exception()
    return results


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    client = Client(args.base_url, args.username, args.password, args.timeout)
    area = box()
    started = time.monotonic()

    client.login()

    # Regions: one district and its towns (a handful, sequential).
    district = client.call("POST", "/api/v1/regions", {"name": args.district_name, "level": "district"})
    towns = [
        client.call(
            "POST",
            "/api/v1/regions",
            {"name": f"基准街道{n:02d}", "level": "town", "parent_id": district["id"]},
        )["id"]
        for n in range(1, TOWNS + 1)
    ]
    print(f"regions: 1 district, {len(towns)} towns", flush=True)

    # Stations: the first station of each town is its central station, the rest community points.
    station_jobs = []
    for i in range(args.stations):
        town_index = i % TOWNS
        kind = "central" if i < TOWNS else "community"
        lat = area["latitude"] + rng.uniform(-area["half_lat"], area["half_lat"])
        lng = area["longitude"] + rng.uniform(-area["half_lng"], area["half_lng"])
        station_jobs.append(
            {
                "region_id": towns[town_index],
                "kind": kind,
                "name": f"基准街道{town_index + 1:02d}联络站{i + 1:05d}",
                "address": f"基准路 {i + 1} 号",
                "location": {"latitude": round(lat, 6), "longitude": round(lng, 6)},
                "opening_hours": {
                    "periods": [{"weekdays": [1, 2, 3, 4, 5], "opens": "09:00", "closes": "17:00"}],
                    "note": None,
                },
                "phone": "0571-87654321",
                "star_rating": rng.randint(0, 5),
            }
        )
    t0 = time.monotonic()
    station_ids = run_pool(
        args.workers,
        lambda body: client.call("POST", "/api/v1/stations", body)["id"],
        station_jobs,
        "stations",
    )
    station_secs = time.monotonic() - t0

    # Deputies: create, then station each at 1-2 random stations.
    deputy_jobs = []
    for i in range(args.deputies):
        stations = rng.sample(station_ids, k=min(len(station_ids), rng.randint(1, 2)))
        deputy_jobs.append(
            (
                {
                    "region_id": rng.choice(towns),
                    "name": f"{rng.choice(SURNAMES)}代表{i + 1:05d}",
                    "gender": rng.choice(["male", "female"]),
                    "level": rng.choices(LEVELS, weights=LEVEL_WEIGHTS)[0],
                    "constituency": f"基准街道{rng.randint(1, TOWNS):02d}第{rng.randint(1, 9)}选区",
                    "occupation": rng.choice(OCCUPATIONS),
                    "term_start": "2026-01-01",
                    "term_end": "2030-12-31",
                    "phone": f"138{i:08d}",
                    "phone_public": rng.random() < 0.3,
                },
                [{"station_id": s, "since": "2026-01-01"} for s in stations],
            )
        )

    def make_deputy(job) -> str:
        body, stationings = job
        deputy_id = client.call("POST", "/api/v1/deputies", body)["id"]
        client.call("PUT", f"/api/v1/deputies/{deputy_id}/stations", {"stations": stationings})
        return deputy_id

    t0 = time.monotonic()
    deputy_ids = run_pool(args.workers, make_deputy, deputy_jobs, "deputies")
    deputy_secs = time.monotonic() - t0
    stationings = sum(len(job[1]) for job in deputy_jobs)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(
            {
                "base_url": args.base_url,
                "district_id": district["id"],
                "town_ids": towns,
                "centre": area,
                "station_ids": station_ids,
                "deputy_ids": deputy_ids,
            },
            f,
            ensure_ascii=False,
        )

    elapsed = time.monotonic() - started
    print(
        f"seeded: 1 district, {len(towns)} towns, {len(station_ids)} stations ({station_secs:.1f}s), "
        f"{len(deputy_ids)} deputies with {stationings} stationings ({deputy_secs:.1f}s); "
        f"total {elapsed:.1f}s",
        flush=True,
    )
    print(f"ids written to {args.out}", flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except SeedError as err:
        print(f"seed.py: FAILED: {err}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("seed.py: interrupted", file=sys.stderr)
        sys.exit(130)
