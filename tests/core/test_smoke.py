"""The demo loads and the main pages answer."""

import pytest


@pytest.mark.django_db
def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/masuk/")


def test_staff_sees_home_with_their_agency(client_as):
    response = client_as("staff").get("/")
    assert response.status_code == 200
    assert "Dinas Kesehatan Kabupaten Sanggau" in response.content.decode()


def test_api_me(api_as):
    response = api_as("head").get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["memberships"][0]["agency"] == "dinkes-sanggau"
