"""API limits: JSON booleans are never numbers; a NaN or inf result is a 422 naming where; the
guide answers for every preset; the Host check; the budget refuses when the queue is full."""

from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient

from vrest.web import worker
from vrest.web.app import create_app
from vrest.web.budget import Budget
from vrest.web.hosts import allowed_names, host_name


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(max_seconds=20.0))


@pytest.mark.parametrize(("body", "field"), [
    ({"t_end": True}, "t_end"), ({"points": True}, "points"), ({"params": {"bath.K": True}}, "bath.K"),
    ({"experiment": {"name": "raise_k", "value": True}}, "experiment.value"),
    ({"mechanisms": {"pump": 1}}, "mechanisms.pump"), ({"t_end": "10"}, "t_end"),
])
def test_json_booleans_and_strings_are_not_numbers(client: TestClient, body: dict, field: str) -> None:
    response = client.post("/api/simulate", json={"preset": "rpl1", **body})
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]


def test_a_nonfinite_result_is_a_422_naming_where(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "compute_kind", lambda kind, key: {"V_mV": [1.0, float("nan")]})
    status, body = worker.answer("simulate", "{}")
    assert status == 422 and "non-finite value (NaN or inf) at V_mV[1]" in body["error"]
    assert worker.nonfinite({"a": {"b": [0.0, float("inf")]}}) == "a.b[1]"


@pytest.mark.parametrize("preset", ["kay2017", "dusterwald2018", "lecture"])
def test_the_guide_answers_for_every_preset(client: TestClient, preset: str) -> None:
    response = client.get(f"/api/guide?preset={preset}")
    assert response.status_code == 200, response.text[:300]
    steps = response.json()["steps"]
    assert steps and all(isinstance(s["what"], str) for s in steps)


def test_host_names() -> None:
    assert allowed_names("127.0.0.1") == ["127.0.0.1", "::1", "localhost"]
    assert allowed_names("0.0.0.0") is None
    assert "lab.example" in (allowed_names("0.0.0.0", ["lab.example"]) or [])
    assert host_name("localhost:8000") == "localhost" and host_name("[::1]:80") == "::1"
    app = TestClient(create_app(allowed_hosts=["localhost"]))
    assert app.get("/api/health", headers={"Host": "localhost:8000"}).status_code == 200
    refused = app.get("/api/health", headers={"Host": "rebind.example"})
    assert refused.status_code == 421 and "rebind.example" in refused.json()["error"]


def test_a_full_queue_answers_503_with_retry_after() -> None:
    async def scenario() -> list[int]:
        budget = Budget(max_seconds=5.0, workers=1, queue=1)
        release = asyncio.Event()

        async def slow(kind: str, key: str, seconds: float, gone: object) -> object:
            await release.wait()
            from vrest.web.budget import Outcome
            return Outcome(200, {"key": key})

        budget._compute = slow  # type: ignore[method-assign]
        tasks = [asyncio.create_task(budget.run("simulate", str(i))) for i in range(3)]
        await asyncio.sleep(0.05)
        release.set()
        outcomes = await asyncio.gather(*tasks)
        assert outcomes[2].retry_after == 5 and "busy" in outcomes[2].body["error"]
        return [o.status for o in outcomes]

    assert asyncio.run(scenario()) == [200, 200, 503]
