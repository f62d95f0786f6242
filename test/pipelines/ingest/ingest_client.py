"""A client of the ingest API as people write them: Python `requests`, nothing else.

Usage: ingest_client.py BASE_URL API_KEY USER PASSWORD
Runs the calls below and prints one JSON object of what it saw; the test asserts on it.
"""
import json
import sys

import requests

base, api_key, user, password = sys.argv[1:5]
key = {"x-api-key": api_key}
seen = {}


def answer(r):
    body = r.text
    try:
        body = r.json()
    except ValueError:
        pass
    return {"status": r.status_code, "body": body, "headers": {k.lower(): v for k, v in r.headers.items()}}


# The sample's client: a JSON object with a string Id, as text (exact number) and via json=.
seen["post_text"] = answer(requests.post(
    base + "/post",
    data='{"Id":"py-1","reading":12345678901234567890.123456789}',
    headers={**key, "Content-Type": "application/json"},
))
seen["post_json"] = answer(requests.post(base + "/post", json={"Id": "py-2", "temp": 21.5, "ok": True}, headers=key))

# NDJSON with an Idempotency-Key, sent twice, then the same key with another body.
ndjson = '{"temp":1}\n{"temp":2}\n\n{"temp":3}\n'
idem = {**key, "Content-Type": "application/x-ndjson", "Idempotency-Key": "py-idem-1"}
seen["ndjson_first"] = answer(requests.post(base + "/records", data=ndjson, headers=idem))
seen["ndjson_repeat"] = answer(requests.post(base + "/records", data=ndjson, headers=idem))
seen["ndjson_other_body"] = answer(requests.post(base + "/records", data='{"temp":4}\n', headers=idem))

# Basic auth instead of a key.
seen["basic"] = answer(requests.post(base + "/records", json=[{"Id": "py-basic", "v": 1}], auth=(user, password)))

# One record back, as raw text (the number must come back as written).
r = requests.get(base + "/records/py-1", headers=key)
seen["get_one"] = {"status": r.status_code, "text": r.text}

# Page through everything, 2 at a time.
ids, pages, cursor = [], 0, None
while True:
    params = {"limit": 2}
    if cursor:
        params["cursor"] = cursor
    r = requests.get(base + "/records", params=params, headers=key)
    r.raise_for_status()
    page = r.json()
    pages += 1
    ids += [record["Id"] for record in page["records"]]
    cursor = page["cursor"]
    if cursor is None or pages > 50:
        break
seen["listing"] = {"ids": ids, "pages": pages}

# Bad input and bad credentials.
seen["no_key"] = answer(requests.post(base + "/post", json={"Id": "x"}))
seen["wrong_key"] = answer(requests.post(base + "/post", json={"Id": "x"}, headers={"x-api-key": "wrong-key-000000"}))
seen["wrong_password"] = answer(requests.post(base + "/post", json={"Id": "x"}, auth=(user, "not-the-password")))
seen["not_json"] = answer(requests.post(base + "/post", data="Id=x", headers={**key, "Content-Type": "application/json"}))
seen["no_id"] = answer(requests.post(base + "/post", json={"temp": 1}, headers=key))
seen["array_on_post"] = answer(requests.post(base + "/post", json=[{"Id": "x"}], headers=key))
seen["bad_limit"] = answer(requests.get(base + "/records", params={"limit": "0"}, headers=key))
seen["bad_cursor"] = answer(requests.get(base + "/records", params={"cursor": "not-a-cursor"}, headers=key))
seen["too_large"] = answer(requests.post(
    base + "/records", data="[" + ",".join(['{"pad":"' + "x" * 1000 + '"}'] * 2000) + "]",
    headers={**key, "Content-Type": "application/json"},
))
seen["missing"] = answer(requests.get(base + "/records/no-such-id", headers=key))

json.dump(seen, sys.stdout)
