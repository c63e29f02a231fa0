"""`crosstrack serve` (issue 11, part 6): several workers by default where the machine has cores, each configured
like the single-process server."""

from __future__ import annotations

import os

import pytest

from crosstrack import serve_command
from crosstrack.cli import main
from crosstrack.settings import Settings


@pytest.fixture
def uvicorn_calls(api_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, dict]]:
    import uvicorn

    calls: list[tuple[object, dict]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append((app, options)))
    for name, value in api_settings.environment("public_db", "db", "api_keys", "audit_log").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CROSSTRACK_API_PUBLIC_URL", "")  # unset (empty counts as unset); restored after the test
    return calls


@pytest.mark.parametrize(("cores", "workers"), [({0}, 1), ({0, 1}, 2), (set(range(16)), 4)])
def test_serve_runs_one_worker_per_core_by_default(
    uvicorn_calls: list, monkeypatch: pytest.MonkeyPatch, cores: set[int], workers: int
) -> None:
    monkeypatch.setattr(serve_command.os, "sched_getaffinity", lambda pid: cores)
    assert main(["serve", "--port", "8123"]) == 0
    ((app, options),) = uvicorn_calls
    if workers == 1:
        assert "workers" not in options and not isinstance(app, str)
    else:
        assert options["workers"] == workers and app == "crosstrack.api:create_app" and options["factory"]
        # The workers build their settings from the environment: the links' base URL reaches them.
        assert os.environ["CROSSTRACK_API_PUBLIC_URL"] == "http://127.0.0.1:8123"


def test_serve_takes_the_public_url_for_links(uvicorn_calls: list) -> None:
    assert main(["serve", "--workers", "1", "--public-url", "https://data.example.gov"]) == 0
    ((app, _),) = uvicorn_calls
    assert app.state.settings.api_public_url == "https://data.example.gov"
