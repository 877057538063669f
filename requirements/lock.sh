#!/usr/bin/env bash
# Regenerate the locks from pyproject.toml (run after changing a dependency; commit the result).
# uv resolves one lock for every platform (markers keep Linux-only wheels such as torch's CUDA
# libraries to Linux) and writes pip's own requirements format with hashes, so users install with
# plain pip: `pip install -r requirements/runtime.txt && pip install --no-deps -e .`.
# The dev lock holds the ray extra too: CI runs the Ray tests on a local Ray.
# `--upgrade` takes the newest versions the ranges allow; without it the current pins are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
uv=${UV:-uv}
common=(--universal --python-version 3.11 --generate-hashes --quiet --no-header "$@")
"$uv" pip compile pyproject.toml "${common[@]}" -o requirements/runtime.txt
"$uv" pip compile pyproject.toml --extra dev --extra ray -c requirements/runtime.txt "${common[@]}" -o requirements/dev.txt
