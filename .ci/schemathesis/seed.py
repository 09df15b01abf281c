"""Seeds a fresh lianluo service for the schemathesis run, through its own API, and prints the
ids and tokens it made as `export NAME=value` lines for the runner to source.

One district with a town, a station with its liaison (station staff), two deputies with accounts
on a published reception day, a handling unit with its handler, a voter (signed in with a
development WeChat code) with a photo, a submission and a booking, a station case assigned to
the unit, a category, and a machine client. The district's administrator signs in last.

Standard library only: the CI venv holds schemathesis, and this must not depend on its internals.
Usage: python3 seed.py BASE_URL ROOT_USERNAME ROOT_PASSWORD
"""

import datetime
import json
import sys
import urllib.error
import urllib.request
import uuid

BASE, ROOT_USER, ROOT_PASSWORD = sys.argv[1], sys.argv[2], sys.argv[3]
PASSWORD = "correct horse battery staple"


def call(method, path, token=None, body=None, raw=None, content_type="application/json"):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(BASE + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", content_type)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        sys.exit(f"seeding failed: {method} {path} -> {error.code} {error.read().decode()}")


def login(username, password=PASSWORD):
    return call("POST", "/api/v1/auth/login", body={"username": username, "password": password})


def user(token, username, role, region):
    body = {"username": username, "display_name": username, "password": PASSWORD,
            "role": role, "region_id": region}
    return call("POST", "/api/v1/users", token, body)["id"]


root = login(ROOT_USER, ROOT_PASSWORD)["access_token"]
district = call("POST", "/api/v1/regions", root, {"name": "青山区", "level": "district"})["id"]
town = call("POST", "/api/v1/regions", root,
            {"name": "东街道", "level": "town", "parent_id": district})["id"]
user(root, "district-admin", "admin", district)
admin = login("district-admin")["access_token"]
liaison_id = user(admin, "liaison", "station_staff", town)
handler_id = user(admin, "handler", "unit_handler", district)

station = call("POST", "/api/v1/stations", admin, {
    "region_id": town, "kind": "community", "name": "东街道中心联络站",
    "address": "东街道幸福路 1 号", "location": {"latitude": 30.27, "longitude": 120.15},
    "opening_hours": {"periods": [{"weekdays": [1, 2, 3, 4, 5], "opens": "09:00", "closes": "17:00"}],
                      "note": "逢6接待日"},
    "phone": "0571-87654321", "star_rating": 3, "liaison_user_ids": [liaison_id],
})["id"]
deputies = []
for i, name in enumerate(["王丽", "陈刚"]):
    account = user(admin, f"deputy{i}", "deputy", town)
    deputy = call("POST", "/api/v1/deputies", admin, {
        "region_id": town, "name": name, "gender": "female" if i == 0 else "male",
        "level": "county", "constituency": "东街道第三选区", "occupation": "社区卫生服务中心主任",
        "term_start": "2026-01-01", "term_end": "2030-12-31", "phone": f"1381234{i:04d}",
        "phone_public": False, "user_id": account,
    })["id"]
    call("PUT", f"/api/v1/deputies/{deputy}/stations", admin,
         {"stations": [{"station_id": station, "since": "2026-01-01"}]})
    deputies.append(deputy)
unit = call("POST", "/api/v1/units", admin,
            {"region_id": district, "name": "区城管局", "kind": "bureau"})["id"]
call("PUT", f"/api/v1/units/{unit}/members", admin, {"user_ids": [handler_id]})
category = call("POST", "/api/v1/categories", admin,
                {"code": "elderly_care", "name": "养老服务", "region_id": district})["id"]

liaison = login("liaison")["access_token"]
day = (datetime.date.today() + datetime.timedelta(days=7)).isoformat()
reception = call("POST", f"/api/v1/stations/{station}/receptions", liaison, {
    "date": day, "hours": {"starts": "09:00", "ends": "11:00"},
    "deputy_ids": deputies,
})["id"]
call("POST", f"/api/v1/receptions/{reception}/publish", liaison, {})

voter = call("POST", "/api/v1/auth/wechat", body={"code": "dev:张三"})["access_token"]
call("POST", f"/api/v1/receptions/{reception}/appointments", voter, {"topic": "小区加装电梯"})
submission = call("POST", "/api/v1/submissions", voter, {
    "title": "幸福路路灯不亮", "content": "幸福路 12 号门口的路灯坏了两周。",
    "category": "urban_management", "station_id": station,
})
case = call("POST", "/api/v1/suggestions", liaison, {
    "kind": "station_case", "title": "幸福路路灯维修", "content": "三位选民反映幸福路路灯不亮。",
    "category": "urban_management", "station_id": station,
})["id"]
call("POST", f"/api/v1/suggestions/{case}/transitions", liaison,
     {"action": "assign", "lead_unit_id": unit})
client = call("POST", "/api/v1/clients", admin,
              {"name": "区数字人大平台", "region_id": district, "scopes": ["read:cases"]})

exports = {
    "ST_DISTRICT": district, "ST_TOWN": town, "ST_STATION": station,
    "ST_DEPUTY": deputies[0], "ST_UNIT": unit, "ST_CATEGORY": category,
    "ST_RECEPTION": reception, "ST_SUBMISSION": submission["id"],
    "ST_TRACKING_NO": submission.get("tracking_no", ""), "ST_CASE": case,
    "ST_CLIENT": client["id"], "ST_LIAISON_USER": liaison_id, "ST_HANDLER_USER": handler_id,
    "ST_TOKEN_ADMIN": admin, "ST_TOKEN_STAFF": liaison, "ST_TOKEN_VOTER": voter,
    "ST_TOKEN_HANDLER": login("handler")["access_token"],
    "ST_TOKEN_DEPUTY": login("deputy0")["access_token"],
    "ST_RUN": uuid.uuid4().hex[:8],
}
for name, value in exports.items():
    print(f"export {name}={value}")
