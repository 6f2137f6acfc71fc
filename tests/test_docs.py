"""The README stays in step with the command line."""

from __future__ import annotations

from pathlib import Path

from alliancekg.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_quickstart_is_two_commands() -> None:
    assert "make demo" in README and "make test" in README


def test_every_command_is_documented() -> None:
    assert len(main.commands) >= 3
    for name in main.commands:
        assert f"alliancekg {name}" in README, f"README does not document `alliancekg {name}`"
