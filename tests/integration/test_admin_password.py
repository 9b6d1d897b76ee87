"""An admin's password change: the session that made it goes on, the admin's other
sessions end, the old password stops working and the new one works."""
from harness import ADMIN_PASSWORD, IntegrationTest, main
from api_client import Api


class AdminPasswordTest(IntegrationTest):
    def test_change_keeps_this_session_and_ends_the_others(self) -> None:
        server, api, mine = self.classroom_server()
        _, _, other = api.request("POST", "/api/v1/login",
                                  json={"username": "admin", "password": ADMIN_PASSWORD})
        # The panel's cookie session changes the password (with its CSRF token).
        panel = Api(server.http, keep_cookies=True)
        _, _, login = panel.request("POST", "/api/v1/login",
                                    json={"username": "admin", "password": ADMIN_PASSWORD})
        new_password = "a much longer passphrase"
        status, _, body = panel.request(
            "POST", "/api/v1/me/password", headers={"X-CSRF-Token": login["csrf_token"]},
            json={"current_password": ADMIN_PASSWORD, "new_password": new_password})
        self.assertEqual(status, 200, body)

        status, _, body = panel.request("GET", "/api/v1/me")
        self.assertEqual(status, 200, f"the session that changed the password ended: {body}")
        for token in (mine, other["token"]):
            status, _, _ = api.request("GET", "/api/v1/me", token=token)
            self.assertEqual(status, 401, "another session survived the password change")
        status, _, _ = api.request("POST", "/api/v1/login",
                                   json={"username": "admin", "password": ADMIN_PASSWORD})
        self.assertEqual(status, 401)
        status, _, _ = api.request("POST", "/api/v1/login",
                                   json={"username": "admin", "password": new_password})
        self.assertEqual(status, 200)


if __name__ == "__main__":
    main()
