"""The README documents every setting and every command."""
from pathlib import Path

from ocr_core.cli import build_parser
from ocr_core.config import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_setting_is_documented():
    missing = [name.upper() for name in Settings.model_fields if f"`{name.upper()}`" not in README]
    assert not missing, f"settings missing from README: {missing}"


def test_every_cli_command_is_documented():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    missing = [c for c in sub.choices if f"python -m ocr_core {c}" not in README]
    assert not missing, f"commands missing from README: {missing}"


def test_the_two_commands_are_there():
    assert "scripts/run.sh" in README and "scripts/test.sh" in README
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "scripts/test.sh" in ci


def test_the_console_script_is_documented():
    assert "ocr-desk scan FILE" in README and "pip install ." in README
