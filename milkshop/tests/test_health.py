import pytest
from django.urls import reverse
from django_q.conf import Conf

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_queue_ok(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "queue": "ok"}


def test_healthz_is_503_when_the_queue_is_unreachable(client, monkeypatch):
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "DJANGO_REDIS", None)
    monkeypatch.setattr(Conf, "REDIS", "redis://127.0.0.1:9/0")

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "queue": "error"}
