"""The store's bounded write queue (--store-queue) under pressure: while the database
cannot write (here another process holds SQLite's write lock, as a slow disk or a backup
would), writes wait in the queue and the non-essential ones are dropped when it is full.
What must not be lost is not: every attendance row that was written gets its left_at."""
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

    def join(self, name: str) -> WsClient:
        ws = WsClient.connect(f"ws://127.0.0.1:{self.server.http_port}/api/v1/ws"
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


if __name__ == "__main__":
    main()
