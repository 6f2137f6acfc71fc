"""The README stays in step with the command line."""

from __future__ import annotations

import shlex
from pathlib import Path

from click.testing import CliRunner

from alliancekg.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_quickstart_is_two_commands() -> None:
    assert "make demo" in README and "make test" in README


def test_every_command_is_documented() -> None:
    assert len(main.commands) >= 3
    for name in main.commands:
        assert f"alliancekg {name}" in README, f"README does not document `alliancekg {name}`"


def _readme_examples(marker: str) -> list[tuple[list[str], list[str]]]:
    """Each ``$ alliancekg ...`` line of the README containing ``marker``, with the lines shown
    after it (up to the next command or the end of the block)."""
    examples = []
    lines = README.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("$ alliancekg ") and marker in line:
            shown = []
            for following in lines[number + 1:]:
                if following.startswith(("$ ", "```")):
                    break
                shown.append(following)
            examples.append((shlex.split(line[len("$ alliancekg "):]), shown))
    return examples


def test_readme_query_examples_show_their_real_output(built) -> None:
    examples = _readme_examples("--format csv")
    assert len(examples) >= 2
    runner = CliRunner()
    for args, shown in examples:
        result = runner.invoke(main, args, env={"ALLIANCEKG_DIST": str(built.dist_dir)})
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines() + result.stderr.splitlines() == shown, args
