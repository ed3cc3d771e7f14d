"""The classroom bench runs an older commit with the packages its own requirements named."""

import subprocess
import sys
from pathlib import Path

from bench.students import ROOT, WITHOUT_MODULES, modules_added_since, requirement_names


def test_requirement_names_read_pins_markers_extras_and_comments(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        "# a comment\n"
        "streamlit==1.67.0\n"
        "\n"
        'uvloop==0.23.0 ; sys_platform != "win32"  # why\n'
        "Typing_Extensions>=4\n"
        "uvicorn[standard]~=0.5\n"
    )
    assert requirement_names(requirements) == {
        "streamlit",
        "uvloop",
        "typing-extensions",
        "uvicorn",
    }


def test_an_older_commit_does_not_get_the_packages_added_since(tmp_path: Path) -> None:
    now = requirement_names(ROOT / "requirements.txt")
    assert "uvloop" in now
    (tmp_path / "requirements.txt").write_text("\n".join(sorted(now - {"uvloop", "redis"})) + "\n")
    assert modules_added_since(tmp_path) == ["redis", "uvloop"]


def test_this_commit_and_a_tree_without_requirements_hide_nothing(tmp_path: Path) -> None:
    assert modules_added_since(ROOT) == []
    assert modules_added_since(tmp_path) == []


def test_without_modules_runs_the_module_with_those_modules_missing(tmp_path: Path) -> None:
    (tmp_path / "probe.py").write_text(
        "import sys\n"
        "for name in ('uvloop', 'json'):\n"
        "    try:\n"
        "        __import__(name)\n"
        "        print(name, 'imported')\n"
        "    except ModuleNotFoundError:\n"
        "        print(name, 'missing')\n"
        "print(sys.argv[1:])\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", WITHOUT_MODULES, "uvloop", "probe", "--server.port", "1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert run.stdout.splitlines() == [
        "uvloop missing",
        "json imported",
        "['--server.port', '1']",
    ]
    plain = subprocess.run(
        [sys.executable, "-m", "probe"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert plain.stdout.splitlines()[0] == "uvloop imported"
