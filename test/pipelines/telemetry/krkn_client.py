"""The calls krkn-lib's KrknTelemetry makes, exactly (see shared/contracts/krkn-telemetry.md).

Usage: krkn_client.py <api_url> <username> <password> <group> <run folder> <telemetry.json> <file>...
Prints one JSON line per step; exits 1 on the first status other than 200, as krkn gives up.
"""
import json
import os
import sys

import requests


def main() -> int:
    api_url, username, password, group, request_id, telemetry_file, *files = sys.argv[1:]
    with open(telemetry_file, "r", encoding="utf-8") as f:
        telemetry = json.load(f)

    # 1. Run telemetry: POST {api_url}/telemetry, Basic auth, JSON body, success is exactly 200.
    headers = {"Content-type": "application/json", "Accept": "text/plain"}
    response = requests.post(
        f"{api_url}/telemetry",
        auth=(username, password),
        data=json.dumps(telemetry),
        params={"request_id": request_id, "telemetry_group": group},
        headers=headers,
    )
    print(json.dumps({"step": "telemetry", "status": response.status_code, "body": response.text}))
    if response.status_code != 200:
        return 1

    for path in files:
        remote_filename = os.path.basename(path)
        # 2. Upload URL: the group goes into request_id; the whole body is the URL.
        response = requests.get(
            f"{api_url}/presigned-url",
            auth=(username, password),
            params={"request_id": f"{group}/{request_id}", "remote_filename": remote_filename},
        )
        print(json.dumps({"step": "presigned-url", "file": remote_filename, "status": response.status_code}))
        if response.status_code != 200:
            return 1
        presigned_url = response.content.decode("utf-8")

        # 3. Upload: the raw file as the body, no auth header, 5 s connect/read timeout.
        with open(path, "rb") as data:
            response = requests.put(presigned_url, data=data, timeout=(5, 5))
        print(json.dumps({"step": "put", "file": remote_filename, "status": response.status_code}))
        if response.status_code != 200:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
