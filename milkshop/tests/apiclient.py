"""Calling the JSON API as the mobile app does: JSON bodies and a bearer token."""

import json

from django.test import Client

from accounts.tests.factories import PASSWORD


class ApiClient:
    def __init__(self, client: Client, token: str | None = None):
        self.client = client
        self.token = token

    def _headers(self, token):
        token = token if token is not None else self.token
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, path, params=None, token=None):
        return self.client.get(f"/api{path}", params or {}, **self._headers(token))

    def send(self, method, path, body, token=None):
        call = getattr(self.client, method)
        return call(f"/api{path}", json.dumps(body), content_type="application/json", **self._headers(token))

    def post(self, path, body, token=None):
        return self.send("post", path, body, token)

    def patch(self, path, body, token=None):
        return self.send("patch", path, body, token)

    def login(self, email, password=PASSWORD) -> "ApiClient":
        response = self.post("/user/login", {"email": email, "password": password})
        assert response.status_code == 200, response.content
        return ApiClient(self.client, response.json()["token"])


def error_of(response) -> dict:
    """The DESIGN §6 error body, checked for shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "fields"} <= set(body["error"]), body
    return body["error"]
