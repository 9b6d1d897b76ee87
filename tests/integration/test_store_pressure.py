"""The store's bounded write queue (--store-queue) under pressure: while the database
cannot write (here another process holds SQLite's write lock, as a slow disk or a backup
would), writes wait in the queue and the non-essential ones are dropped when it is full.
What must not be lost is not: every attendance row that was written gets its left_at, and
a flood of shared-object writes (stored in batches) neither fills the queue nor loses its
last values."""
import re
import sqlite3

from harness import IntegrationTest, main, wait_until
from ws_client import WsClient


class StorePressureTest(IntegrationTest):
    def setUp(self) -> None:
        super().setUp()
        self.server, self.api, self.admin = self.classroom_server("--store-queue", "20")
        status, _, self.room = self.api.request("POST", "/api/v1/rooms", token=self.admin,
                                                json={"name": "Geology"})
        self.assertEqual(status, 201)
        self.rid = self.room["id"]

    def join(self, name: str, server=None) -> WsClient:
        server = server or self.server
        ws = WsClient.connect(f"ws://127.0.0.1:{server.http_port}/api/v1/ws"
                              f"?token={self.room['student_token']}&name={name}")
        self.addCleanup(ws.close)
        ws.wait_for(lambda m: m.get("op") == "welcome", 10)
        return ws

    def attendance(self, name: str) -> list:
        status, _, body = self.api.request("GET", f"/api/v1/rooms/{self.rid}/attendance",
                                           token=self.admin)
        self.assertEqual(status, 200, body)
        return [r for r in body["attendance"] if r["name"] == name]

    def metric(self, name: str) -> float:
        # /metrics needs no admin session, so it answers while the database is locked.
        status, _, text = self.api.request("GET", "/metrics")
        self.assertEqual(status, 200)
        text = text if isinstance(text, str) else text.decode()
        m = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
        self.assertIsNotNone(m, f"no {name} in /metrics")
        return float(m.group(1))

    def lock_database(self) -> sqlite3.Connection:
        """Takes SQLite's write lock: the server's writes wait (its busy timeout is 5 s)."""
        db = sqlite3.connect(self.server.data_dir / "lectern.db", isolation_level=None,
                             timeout=10)
        db.execute("BEGIN IMMEDIATE")
        return db

    def test_every_attendance_row_gets_its_leave(self) -> None:
        ana = self.join("Ana")
        wait_until(lambda: self.attendance("Ana"), 10, "Ana's attendance row")
        lock = self.lock_database()
        try:
            # 30 more students: their rows fill the queue of 20 and some are dropped.
            for i in range(30):
                self.join(f"S{i}")
            wait_until(lambda: self.metric("lectern_store_dropped_writes_total") > 0, 10,
                       "a full store queue")
            ana.close()
            wait_until(lambda: self.metric("lectern_ws_clients") == 30, 10, "Ana's close")
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        # Ana's row was written before the queue filled up: its leave must be stored too.
        wait_until(lambda: self.attendance("Ana")[0]["left_at"] is not None, 20,
                   "Ana's left_at")

    def test_a_flood_of_shared_object_writes(self) -> None:
        writer = self.join("Writer")
        writer.send_json({"op": "so.connect", "so": "board", "persistent": True})
        writer.wait_for(lambda m: m.get("op") == "so.state" and m["so"] == "board", 10)
        wait_until(lambda: self.attendance("Writer"), 10, "the writer's attendance row")
        lock = self.lock_database()
        try:
            # 90 writes (the rate limit's burst is 100 frames) to 10 slots, all answered...
            for i in range(90):
                writer.send_json({"op": "so.set", "id": i, "so": "board", "slot": f"s{i % 10}",
                                  "value": i})
            writer.wait_for(lambda m: m.get("op") == "so.result" and m.get("id") == 89, 10)
            # ... while another student joins: its attendance row is not crowded out.
            self.join("Late")
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        wait_until(lambda: self.attendance("Late"), 20, "the late student's attendance row")
        self.assertEqual(self.metric("lectern_store_dropped_writes_total"), 0)

        # The last value of each slot survives a restart (a clean stop stores what is due).
        self.assertEqual(self.server.stop(), 0)
        again = self.start_server(open_relay=False, data_dir=self.server.data_dir,
                                  name="restarted")
        reader = self.join("Reader", server=again)
        reader.send_json({"op": "so.connect", "so": "board", "persistent": True})
        state = reader.wait_for(lambda m: m.get("op") == "so.state" and m["so"] == "board", 10)
        self.assertEqual(state["slots"], {f"s{k}": 80 + k for k in range(10)})


if __name__ == "__main__":
    main()
