"""The OpenAPI document against the app that serves it: schemathesis generates requests for every
operation from the document (valid and invalid ones) and checks that no answer is a server error
and that every answer matches what the document declares (status, media type, schema)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tm.config import Settings
from tm.store.records import NewTerm, NewUnit
from tm.store.sqlite import SQLiteStore
from web import create_app
from web.v1.spec import openapi

from .conftest import Bearer, EchoTranslator, services


def _api_app():
    """One app for the whole run, built at collection: schemathesis makes its tests from its document."""
    home = Path(tempfile.mkdtemp(prefix="tm-schema-"))
    store = SQLiteStore(home / "api.db")
    app = create_app(Settings(db=str(home / "api.db")), store=store, translator=EchoTranslator())
    app.config["TESTING"] = True  # every JSON answer is also checked against its model (web/v1/spec.py)
    for name, role in (("ada", "admin"), ("tom", "translator")):
        store.accounts.add(name, "x", role)
    for i in range(3):
        store.units.add(NewUnit(f"قال المتحدث إن الاجتماع {i} انتهى.", f"The spokesman said meeting {i} ended."))
    store.glossary.add(NewTerm("مجلس الأمن", "Security Council"))
    app.config["tm_token"] = Bearer(app, "ada").secret
    app.config["tm_home"] = home
    return app


API_APP = _api_app()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", API_APP)


@pytest.fixture(scope="module", autouse=True)
def _close_api_app():
    yield
    services(API_APP).close()
    shutil.rmtree(API_APP.config["tm_home"], ignore_errors=True)


@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_its_document_says(case):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {API_APP.config['tm_token']}"},
        # a request the document allows may still be refused for what a schema cannot say: a cursor
        # tm did not make, a .png where a .txt is asked for, a name with no account behind it
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )


def test_every_api_route_is_in_the_document_with_its_errors(app):
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    routes = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api_v1.")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    documented = {
        (path, method.upper())
        for path, ops in doc["paths"].items()
        for method in ops
    }
    as_flask = {(p.replace("{", "<").replace("}", ">"), m) for p, m in documented}
    assert {(r.replace("<int:", "<"), m) for r, m in routes} == as_flask
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op["summary"], f"{method} {path} has no summary"
            if not op.get("security") == []:
                assert "401" in op["responses"], f"{method} {path} does not say it needs a token"


def test_a_route_without_a_declaration_is_an_error_not_a_gap(app):
    app.add_url_rule("/api/v1/forgotten", "api_v1.forgotten", lambda: "")
    with pytest.raises(RuntimeError, match="/api/v1/forgotten has no OpenAPI declaration"):
        openapi(app, title="t", version="0", description="d")


def test_the_reference_page_is_served_without_a_token_from_tm_itself(app):
    page = app.test_client().get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html and "http" not in html  # no CDN
    assert app.test_client().get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
