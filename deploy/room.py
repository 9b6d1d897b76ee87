#!/usr/bin/env python3
"""Logs in to a lectern-server as the admin and finds or creates a room by name.

Prints one JSON object: {"admin_token": "...", "room": {...the room as the API shows it...}}.
The admin password comes from LECTERN_ADMIN_PASSWORD. Used by deploy/quickstart.sh and
tests/bench/control.sh; Python's standard library only (no curl or jq needed)."""
import argparse
import json
import os
import sys
import urllib.error
import urllib.request


def call(base: str, method: str, path: str, body=None, token=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--server", required=True, help="the server's HTTP base, e.g. http://127.0.0.1:8080")
    p.add_argument("--name", required=True, help="room name; an existing room of that name is reused")
    p.add_argument("--max-students", type=int, help="for a new room (default: the server's)")
    a = p.parse_args()
    password = os.environ.get("LECTERN_ADMIN_PASSWORD")
    if not password:
        print("room.py: set LECTERN_ADMIN_PASSWORD to the admin's password", file=sys.stderr)
        return 2
    base = a.server.rstrip("/")
    try:
        token = call(base, "POST", "/api/v1/login",
                     {"username": "admin", "password": password})["token"]
    except (urllib.error.URLError, OSError) as e:
        print(f"room.py: cannot log in as admin at {base} ({e}); is this the password the data "
              "dir was set up with? (set LECTERN_ADMIN_PASSWORD, or use a fresh --data-dir)",
              file=sys.stderr)
        return 1
    rooms = [r for r in call(base, "GET", "/api/v1/rooms", token=token)["rooms"]
             if r["name"] == a.name]
    if rooms:
        room = rooms[0]
    else:
        fields = {"name": a.name}
        if a.max_students:
            fields["max_students"] = a.max_students
        room = call(base, "POST", "/api/v1/rooms", fields, token)
    print(json.dumps({"admin_token": token, "room": room}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
