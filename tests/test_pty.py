"""The chat session in a real pseudo-terminal, as a person at a keyboard meets it."""

from __future__ import annotations

import io
import os
import re
import stat
import sys
from pathlib import Path

import pytest

import advisor

pexpect = pytest.importorskip("pexpect")

ROOT = Path(advisor.__file__).resolve().parent.parent
PROMPT = "advisor>"
# prompt_toolkit switches bracketed paste off when a line is accepted and on when the next prompt
# starts: between the two is exactly what the program printed in reply.
LINE_ACCEPTED, PROMPT_READY = "\x1b[?2004l", "\x1b[?2004h"
MLOPS = "what does an MLOps engineer do"
ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])[;m]")


class Terminal:
    """A spawned `python -m advisor` whose failures show everything it printed."""

    def __init__(self, tmp_path: Path, **env: str) -> None:
        environ = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
        environ.update(PROMPT_TOOLKIT_NO_CPR="1", COLUMNS="100", LINES="40", TERM="xterm",
                       XDG_STATE_HOME=str(tmp_path / "state"), PYTHONPATH=str(ROOT), **env)
        self.log = io.StringIO()
        self.child = pexpect.spawn(sys.executable, ["-m", "advisor"], env=environ, cwd=str(ROOT),
                                   encoding="utf-8", timeout=10, dimensions=(40, 100))
        self.child.logfile_read = self.log

    def expect(self, pattern: object) -> str:
        """Wait for PATTERN; return what came before it, escape codes and all."""
        try:
            self.child.expect_exact(pattern) if isinstance(pattern, str) else self.child.expect(pattern)
        except (pexpect.TIMEOUT, pexpect.EOF) as exc:
            self.child.terminate(force=True)
            pytest.fail(f"waiting for {pattern!r}: {type(exc).__name__}\n--- log ---\n{self.log.getvalue()!r}")
        return self.child.before

    def ready(self) -> str:
        """Wait for a fresh prompt; return what was printed before it."""
        before = self.expect(PROMPT_READY)
        self.expect(PROMPT)
        return before

    def ask(self, text: str) -> str:
        """Type a line at the prompt; return what was printed before the next prompt."""
        self.child.sendline(text)
        self.expect(LINE_ACCEPTED)
        return self.expect(PROMPT_READY)

    def quit(self) -> int:
        self.child.sendcontrol("d")
        self.expect(pexpect.EOF)
        self.child.close()
        return self.child.exitstatus


@pytest.fixture(autouse=True)
def _compiled(advisor):
    """The shipped knowledge compiled into the tests' cache first: a spawned advisor then starts in
    well under the terminal's timeout, whichever test runs first."""


def test_a_first_start_says_it_is_compiling(tmp_path):
    term = Terminal(tmp_path, XDG_CACHE_HOME=str(tmp_path / "cache"))
    term.child.timeout = 120
    term.expect("compiling the knowledge base")
    term.ready()
    assert term.quit() == 0
    again = Terminal(tmp_path, XDG_CACHE_HOME=str(tmp_path / "cache"))
    assert "compiling" not in again.ready()
    assert again.quit() == 0


def test_session_in_a_terminal(tmp_path):
    term = Terminal(tmp_path)
    welcome = term.ready()
    assert "For example" in ESCAPES.sub("", welcome)

    answer = ESCAPES.sub("", term.ask(MLOPS))
    assert "Source" in answer and "mlops" in answer.lower()

    term.child.send("mlo\t")
    term.expect(re.compile(r"MLO(?:\x1b\[[0-9;]*m)*ps engineer"))  # in the menu, "MLO" is highlighted
    term.child.sendcontrol("c")
    term.ready()
    assert "Commands:" in ESCAPES.sub("", term.ask("/help"))  # the line was cleared by Ctrl-C

    assert term.quit() == 0
    assert "Goodbye." in term.log.getvalue()
    history = tmp_path / "state" / "advisor" / "history"
    assert MLOPS in history.read_text()
    assert stat.S_IMODE(history.stat().st_mode) == 0o600


def test_no_color_means_no_colour_codes(tmp_path):
    term = Terminal(tmp_path, NO_COLOR="1")
    term.ready()
    answer = term.ask(MLOPS)
    assert "mlops" in ESCAPES.sub("", answer).lower()
    assert not COLOUR.search(answer), repr(answer)
    assert term.quit() == 0


def test_ctrl_c_while_answers_print_then_a_normal_question(tmp_path):
    term = Terminal(tmp_path)
    term.ready()
    turns = 3000  # enough that the answers still print when Ctrl-C lands, even on a fast machine
    many = "\n".join([MLOPS, "salary in london", "what is MLOps"] * (turns // 3))
    term.child.send(f"\x1b[200~{many}\x1b[201~\r")  # a bracketed paste: many turns in one go
    term.expect(LINE_ACCEPTED)
    term.expect("Source")  # the answers have started to print
    term.child.sendintr()
    printed = ESCAPES.sub("", term.expect(PROMPT_READY))
    term.expect(PROMPT)
    assert printed.count("Source") < turns - 1, "Ctrl-C did not stop the answers"

    answer = ESCAPES.sub("", term.ask("how much does a junior earn in Berlin"))
    assert "Berlin" in answer and "Source" in answer
    assert term.quit() == 0
    assert "Traceback" not in term.log.getvalue()
