"""schemathesis hooks for the lianluo run (loaded by .ci/schemathesis/run through
SCHEMATHESIS_HOOKS).

Two things a schema cannot say, supplied here so that schema-valid requests reach the logic
behind them instead of stopping at the first lookup:

- An `Idempotency-Key` names one logical request. Drawn keys repeat across different bodies,
  which the service rightly refuses (422 `idempotency_key_reused`); a well-formed key is made
  unique per call. Malformed keys are left as drawn, so negative tests still send them.
- A list's `cursor` (the change feed's `since`) is whatever the previous page's `next_cursor`
  was; a drawn one is a forged cursor, rightly 400 `invalid_cursor`. Positive cases do not
  send one.
- A body's references (`region_id`, `station_id`, ...) must name things that exist. In positive
  cases a drawn UUID in such a field is replaced by the seeded thing of that kind (seed.py's
  `ST_*` ids); negative cases keep theirs.
"""

import os
import re
import uuid

import schemathesis

VISIBLE_ASCII = re.compile(r"^[\x21-\x7e]{1,200}$")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# Field name → the seeded id of that kind.
REFERENCES = {
    "region_id": "ST_TOWN",
    "parent_id": "ST_DISTRICT",
    "station_id": "ST_STATION",
    "deputy_id": "ST_DEPUTY",
    "deputy_ids": "ST_DEPUTY",
    "lead_unit_id": "ST_UNIT",
    "unit_id": "ST_UNIT",
    "co_unit_ids": "ST_UNIT",
    "user_id": "ST_LIAISON_USER",
    "user_ids": "ST_HANDLER_USER",
    "liaison_user_ids": "ST_LIAISON_USER",
    "category_id": "ST_CATEGORY",
    "reception_id": "ST_RECEPTION",
    "submission_id": "ST_SUBMISSION",
    "submission_ids": "ST_SUBMISSION",
    "suggestion_id": "ST_CASE",
}


def _is_positive(case):
    meta = getattr(case, "meta", None)
    try:
        return meta.generation.mode.is_positive
    except AttributeError:
        return True


def _replace_references(value):
    if isinstance(value, dict):
        for key, item in value.items():
            seeded = os.environ.get(REFERENCES.get(key, ""), "")
            if seeded and isinstance(item, str) and UUID.match(item):
                value[key] = seeded
            elif seeded and isinstance(item, list) and all(isinstance(i, str) and UUID.match(i) for i in item):
                value[key] = [seeded] if item else []
            else:
                _replace_references(item)
    elif isinstance(value, list):
        for item in value:
            _replace_references(item)


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key":
            key = headers[name]
            if isinstance(key, str) and VISIBLE_ASCII.match(key):
                headers[name] = f"{key}-{uuid.uuid4().hex}"
    if not _is_positive(case):
        return
    if isinstance(case.query, dict):
        case.query.pop("cursor", None)
        if case.path == "/api/v1/changes":
            case.query.pop("since", None)
    if isinstance(case.body, (dict, list)):
        _replace_references(case.body)
