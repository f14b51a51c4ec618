#!/usr/bin/env python3
"""Set litmap up in ./.venv and run it: the two commands of the README's quick start.

    python3 dev.py demo [DIR]   create .venv, install litmap, run the example review end to end
    python3 dev.py test [ARGS]  create .venv, install litmap with its test tools, run the test suite

Only the Python standard library is used here, so this works on a machine that has nothing but
Python 3.11+. The install is skipped when pyproject.toml has not changed since the last one.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_venv(extra: str) -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"Error: litmap needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PY.exists():
        print(f"Creating {VENV} ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    spec = f".[{extra}]" if extra else "."
    stamp = VENV / f".litmap-installed-{extra or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(f"Installing litmap{f'[{extra}]' if extra else ''} into {VENV} ...", file=sys.stderr)
    subprocess.run(
        [str(PY), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", spec],
        cwd=ROOT,
        check=True,
    )
    stamp.write_text(digest)


def free_folder(name: str) -> str:
    """`name`, or `name-2`, `name-3` ... when an earlier demo's review is there (it is never touched)."""
    n = 1
    while (ROOT / (candidate := name if n == 1 else f"{name}-{n}") / "litmap.db").exists():
        n += 1
    return candidate


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test"}:
        print(__doc__, file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    try:
        if command == "demo":
            ensure_venv("")
            return subprocess.call([str(BIN / "litmap"), "demo", *(rest or [free_folder("litmap-demo")])], cwd=ROOT)
        ensure_venv("test")
        return subprocess.call([str(PY), "-m", "pytest", *rest], cwd=ROOT)
    except subprocess.CalledProcessError as exc:
        print(f"Error: installing litmap failed ({exc}); check the network access to PyPI.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
