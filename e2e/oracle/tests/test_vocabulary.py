"""One vocabulary: the server, the matrix and the driver use the names vocabulary.py defines, not copies of them."""

from __future__ import annotations

import pytest

import server.config
from e2e import cases
from e2e.harness import driver
from e2e.oracle import vocabulary as v
from server.app import create_app


def test_the_server_and_the_matrix_import_the_vocabulary_rather_than_spell_it_again():
    assert server.config.CORS_POLICIES is v.CORS_POLICIES
    assert server.config.SAMESITE_VALUES is v.SAMESITE_VALUES
    assert server.config.CSRF_DEFENCES is v.CSRF_DEFENCES
    assert cases.CORS_POLICIES is v.CORS_POLICIES and cases.CREDENTIALS_MODES is v.CREDENTIALS_MODES


def test_every_step_is_a_route_of_the_server_and_a_call_of_the_client():
    routes = {(method, rule.rule) for rule in create_app().url_map.iter_rules() for method in rule.methods}
    for step in v.STEPS:
        request = v.REQUESTS[step]
        assert (request.method, request.path) in routes, step
    calls = {name for name, _ in driver.page_calls(v.STEPS)}
    client = driver.CLIENT_JS.read_text()
    assert all(f"{call}:" in client for call in calls)


def test_a_choice_outside_the_vocabulary_says_what_to_choose():
    with pytest.raises(v.OracleInputError, match="credentials must be one of 'omit', 'same-origin', 'include'"):
        v.choice("same_origin", v.CREDENTIALS_MODES, "credentials")
