"""schemathesis (its CLI, the real tool) against the OpenAPI spec of a real server.

Every check runs: no server errors, responses conform to the documented schemas and status codes,
and the negative-data checks (malformed input must be rejected with a documented 4xx).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from policykg.api.settings import Settings
from policykg.service.workspace import Workspace
from tests.conftest import SEED
from tests.helpers import hashing_workspace, start_server


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workspace: Workspace = hashing_workspace(tmp_path_factory.mktemp("fuzz") / "data")
    workspace.ingest_paths([SEED])
    # A token is set and the fuzzer does not know it: writes must answer 401, never 500.
    config = Settings(data_dir=workspace.data_dir, api_token=SecretStr("not-known-to-the-fuzzer"))
    yield from start_server(config, workspace)


def test_api_conforms_to_its_spec(live: str, tmp_path: Path) -> None:
    executable = Path(sys.executable).with_name("schemathesis")
    result = subprocess.run(
        [
            str(executable),
            "run",
            f"{live}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            "30",
            "--seed",
            "7",
            "--workers",
            "1",
            "--suppress-health-check",
            "all",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )
    report = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    assert "No issues found" in result.stdout or "passed" in result.stdout, report
