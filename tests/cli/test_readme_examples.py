"""The README's examples are what ``dsv3`` prints (README, "The commands, as they print").

Every ``$`` line of a ``console`` block of the README is run in-process from the repository root with a
terminal 80 columns wide, and its output (stdout, then stderr) must be the lines that follow it, up to the
next ``$`` line or the end of the block. A changed label, help text, format or number shows as a diff here
and has to be made in the README too, where a reader sees it. The figures themselves are checked against
the papers elsewhere (``tests/cli/test_cli.py``, ``tests/arch/``); this test keeps the documentation honest.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from dsv3.cli import main

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def console_examples(text: str) -> list[tuple[str, str]]:
    """(command, expected output) for every ``$`` line of every ```` ```console ```` block of ``text``."""
    examples: list[tuple[str, str]] = []
    for block in re.findall(r"^```console\n(.*?)^```$", text, flags=re.S | re.M):
        command, out = None, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command is not None:
                    examples.append((command, "\n".join(out)))
                command, out = line[2:], []
            else:
                out.append(line)
        if command is not None:
            examples.append((command, "\n".join(out)))
    return examples


EXAMPLES = console_examples(README.read_text(encoding="utf-8"))


def test_the_readme_has_the_examples_this_test_runs() -> None:
    commands = [c for c, _ in EXAMPLES]
    # the help of each command, one block and one table of inspect, a plan with decode, and a refusal
    assert len(commands) >= 7
    assert {c.split()[1] for c in commands} == {"--help", "inspect", "plan"}
    assert all(c.startswith(".venv/bin/dsv3 ") for c in commands)


def test_the_parser_of_console_blocks() -> None:
    text = "x\n```console\n$ a b\none\ntwo\n$ c\n```\n```sh\n$ not this\n```\n```console\n$ d\n```\n"
    assert console_examples(text) == [("a b", "one\ntwo"), ("c", ""), ("d", "")]


@pytest.mark.parametrize(("command", "expected"), EXAMPLES, ids=[c.removeprefix(".venv/bin/") for c, _ in EXAMPLES])
def test_readme_example_prints_what_the_readme_shows(
    command: str, expected: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "80")  # argparse wraps its help to the terminal's width
    argv = shlex.split(command)[1:]
    try:
        status = main(argv)
    except SystemExit as e:  # --help exits 0 after printing
        status = e.code
    captured = capsys.readouterr()
    printed = (captured.out + captured.err).rstrip("\n")
    assert printed == expected
    # a refusal says "error" on stderr and exits 2; everything else exits 0 with nothing on stderr
    assert status == (2 if "dsv3: error:" in expected else 0)
    assert bool(captured.err) == (status == 2)
