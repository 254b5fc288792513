"""Check that the locks match their inputs and that the environment holds exactly the locked set.

    python scripts/check_lock.py             the locks against requirements*.in (no network)
    python scripts/check_lock.py --installed and this Python's installed packages against requirements-dev.txt

`make test` runs both; `make lock` makes the locks again after an edit of an input file.
"""

import re
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = (3, 11)
# (input, lock): each lock is made from its input by `make lock`.
LOCKS = [("requirements.in", "requirements.txt"), ("requirements-dev.in", "requirements-dev.txt")]
# The installer's own packages, not the portal's.
INSTALLER = {"pip"}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def direct_pins(path: Path) -> dict[str, str]:
    """The pins an input file names, with those of the input files it includes (-r)."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            pins.update(direct_pins(path.parent / line[3:].strip()))
        elif line and not line.startswith("-"):
            match = PIN.match(line)
            if match is None:
                raise SystemExit(f"{path.name}: '{line}' is not pinned with ==")
            pins[canonical(match[1])] = match[2]
    return pins


def locked(path: Path) -> tuple[dict[str, str], set[str]]:
    """Every package of a lock with its version, and those it says an input file asked for."""
    pins, direct, current = {}, set(), None
    for line in path.read_text().splitlines():
        match = PIN.match(line)
        if match:
            current = canonical(match[1])
            pins[current] = match[2]
        elif current and re.search(r"#\s+(via\s+)?-r requirements(-dev)?\.in", line):
            direct.add(current)
    return pins, direct


def check_locks() -> list[str]:
    problems = []
    for source, lock in LOCKS:
        wanted = direct_pins(ROOT / source)
        pins, direct = locked(ROOT / lock)
        for name, version in sorted(wanted.items()):
            if pins.get(name) != version:
                problems.append(f"{lock}: {name} is {pins.get(name, 'missing')}, {source} asks for {version}")
        for name in sorted(direct - set(wanted)):
            problems.append(f"{lock}: {name} was asked for by the input, which no longer names it")
    runtime, _ = locked(ROOT / "requirements.txt")
    development, _ = locked(ROOT / "requirements-dev.txt")
    for name, version in sorted(runtime.items()):
        if development.get(name) != version:
            problems.append(f"requirements-dev.txt: {name} is {development.get(name)}, the run-time lock has {version}")
    return problems


def check_installed() -> list[str]:
    pins, _ = locked(ROOT / "requirements-dev.txt")
    installed = {canonical(dist.metadata["Name"]): dist.version for dist in metadata.distributions()}
    problems = [
        f"{name}: {installed.get(name, 'not installed')} installed, {version} locked"
        for name, version in sorted(pins.items())
        if installed.get(name) != version
    ]
    problems += [
        f"{name} {version} is installed but not in requirements-dev.txt"
        for name, version in sorted(installed.items())
        if name not in pins and name not in INSTALLER
    ]
    return problems


def main() -> int:
    if sys.version_info[:2] != PYTHON:
        print(f"The locks are made for Python {PYTHON[0]}.{PYTHON[1]}; this is {sys.version.split()[0]}.")
        return 1
    problems = check_locks()
    if "--installed" in sys.argv:
        problems += check_installed()
    for problem in problems:
        print(problem)
    if problems:
        print("The locks do not match: run `make lock` after editing requirements*.in (and `make install`).")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
