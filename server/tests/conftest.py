"""Fixtures for the session API's unit tests: a fresh app per test, as in Flask's own tests/conftest.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server.app import USERS, ApiState, SessionStore, create_app
from server.config import Settings
from server.load import FakeClock


@pytest.fixture
def settings() -> Settings:
    """The settings the app starts with; a test overrides them by parametrizing `settings` directly."""
    return Settings()


@pytest.fixture
def state(settings: Settings) -> ApiState:
    """The API's memory, shared with the app so that tests can look inside."""
    return ApiState(settings)


@pytest.fixture
def app(state: ApiState) -> Flask:
    """The session API built by its factory around `state`."""
    app = create_app(state)
    app.config.update(TESTING=True)
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client without a cookie jar: each request carries exactly the Cookie header the test gives."""
    return app.test_client(use_cookies=False)


@pytest.fixture
def clock(state: ApiState) -> FakeClock:
    """A fake clock behind the state's session store (installed with an empty store)."""
    clock = FakeClock()
    state.sessions = SessionStore(state.settings.session_ttl, state.settings.max_sessions, clock=clock)
    return clock


@pytest.fixture
def cookie(state: ApiState) -> Callable[..., dict[str, str]]:
    """Request headers that send the given session ids under the configured cookie name, in order."""

    def cookie(*sids: str) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{state.settings.cookie.name}={sid}" for sid in sids)}

    return cookie


@pytest.fixture
def login(client: FlaskClient, state: ApiState) -> Callable[..., str]:
    """Log a user in through the API (optionally sending a Cookie header) and return the issued session id."""

    def login(user: str = "alice", cookie_header: str | None = None, **kwargs: Any) -> str:
        headers = {"Cookie": cookie_header} if cookie_header else {}
        response = client.post(
            "/api/login", json={"username": user, "password": USERS[user]}, headers=headers, **kwargs
        )
        assert (response.status_code, response.get_json()) == (200, {"user": user})
        (line,) = response.headers.getlist("Set-Cookie")
        prefix = f"{state.settings.cookie.name}="
        assert line.startswith(prefix), line
        return line[len(prefix) :].split(";")[0]

    return login


@pytest.fixture
def state_snapshot(state: ApiState) -> Callable[[], dict[str, Any]]:
    """A function returning a snapshot of the sessions and resources (ApiState.snapshot)."""
    return state.snapshot
