"""Import every module of the installed PolicyKG packages; exit 1 naming each one that fails.

Run with the interpreter of an environment that has PolicyKG installed without extras (CI does,
in a clean virtual environment): a module that imports an undeclared distribution fails here
before it fails for a user. Standard library only, so it runs where pytest is not installed.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback

PACKAGES = tuple(f"policykg.{name}" for name in ("ingest", "graph", "search", "service", "api"))


def main() -> int:
    """Import everything; print one line per module and the failures in full."""
    failures: list[str] = []
    count = 0
    for name in PACKAGES:
        package = importlib.import_module(name)
        modules = [name] + [
            info.name for info in pkgutil.walk_packages(package.__path__, prefix=f"{name}.")
        ]
        for module in modules:
            count += 1
            try:
                importlib.import_module(module)
            except Exception:  # noqa: BLE001 - an import may raise anything; report every module
                failures.append(f"{module}:\n{traceback.format_exc()}")
    for failure in failures:
        print(f"cannot import {failure}", file=sys.stderr)
    print(f"imported {count - len(failures)} of {count} modules")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
