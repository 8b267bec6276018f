"""The chat session, driven through a pipe instead of a keyboard."""

from __future__ import annotations

import io
import re
import stat
from pathlib import Path

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.data_structures import Size
from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import to_plain_text
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.output.vt100 import Vt100_Output

from advisor import Advisor, commands
from advisor.repl import AdvisorCompleter, default_history_path, run_repl, toolbar_text

MLOPS = "what does an MLOps engineer do"


def session(advisor: Advisor, keys: str, history: Path, **kw) -> tuple[int, str]:
    """Type KEYS (then Ctrl-D) into a session; return its exit status and everything it wrote."""
    written: list[str] = []
    with create_pipe_input() as inp:
        inp.send_text(keys + "\x04")
        status = run_repl(advisor, input=inp, output=DummyOutput(), write=written.append,
                          history_path=history, **kw)
    return status, "\n".join(written)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_question_answered_then_ctrl_d_exits_0(advisor, tmp_path):
    status, out = session(advisor, MLOPS + "\r", tmp_path / "h")
    assert status == 0
    assert "For example:" in out
    assert "Source" in out and "mlops" in out.lower()
    assert out.rstrip().endswith("Goodbye.")


def test_help_lists_every_command(advisor, tmp_path):
    _, out = session(advisor, "/help\r", tmp_path / "h")
    for name in ("/help", "/topics", "/why", "/context", "/reset", "/save FILE", "/quit"):
        assert name in out


def test_why_explains_the_last_answer(advisor, tmp_path):
    _, before = session(advisor, "/why\r", tmp_path / "h")
    assert "Nothing to explain yet." in before
    _, after = session(advisor, MLOPS + "\r/why\r", tmp_path / "h")
    expected = advisor.chat().ask(MLOPS).explain.format()
    assert " ".join(expected.split()) in " ".join(after.split())


def test_unknown_command_suggests_closest(advisor, tmp_path):
    _, out = session(advisor, "/hlep\r/sav x\r", tmp_path / "h")
    assert "Did you mean /help?" in out
    assert "Did you mean /save?" in out


def test_quit_and_reset(advisor, tmp_path):
    status, out = session(advisor, MLOPS + "\r/reset\r/context\r/quit\rnever asked\r", tmp_path / "h")
    assert status == 0
    assert "Context cleared." in out and "No context yet" in out
    assert "never asked" not in (tmp_path / "h").read_text()


def test_save_writes_private_markdown_with_masking(advisor, tmp_path):
    target = tmp_path / "talk.md"
    typed = "I am jo.doe@example.com, call +44 20 7946 0958, " + MLOPS
    _, out = session(advisor, f"{typed}\r/save {target}\r", tmp_path / "h")
    assert "Saved 1 turn" in out
    text = target.read_text()
    assert text.startswith("# ") and "**You:**" in text
    assert "jo.doe@example.com" not in text and "7946" not in text
    assert "[email]" in text and "[phone]" in text
    assert mode(target) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_save_failure_keeps_session(advisor, tmp_path):
    status, out = session(advisor, f"{MLOPS}\r/save {tmp_path}/no/such/dir/x.md\r/help\r", tmp_path / "h")
    assert status == 0
    assert "Could not save" in out and "/topics" in out.split("Could not save", 1)[1]


def test_history_file_is_private(advisor, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    path = default_history_path()
    assert path == tmp_path / "state" / "advisor" / "history"
    session(advisor, MLOPS + "\r", path)
    assert MLOPS in path.read_text()
    assert mode(path) == 0o600 and mode(path.parent) == 0o700


def test_unwritable_history_warns_once_and_goes_on(advisor, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    status, out = session(advisor, MLOPS + "\r", blocker / "advisor" / "history")
    assert status == 0
    assert out.count("warning:") == 1 and "mlops" in out.lower()


def test_completion_is_fuzzy(advisor):
    completer = AdvisorCompleter(advisor.vocabulary())

    def offers(text: str) -> list[str]:
        return [c.text for c in completer.get_completions(Document(text), CompleteEvent(completion_requested=True))]

    assert "MLOps engineer" in offers("what does an mlo")
    assert offers("what does a data eng")[0] == "Data engineer"
    assert "/save" in offers("/sa")
    assert "/help" in offers("/hlp")


def test_colour_follows_the_color_flag(advisor, tmp_path, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)

    def printed(color: bool) -> str:
        buf = io.StringIO()
        with create_pipe_input() as inp:
            inp.send_text("hi\r\x04")
            run_repl(advisor, input=inp, output=Vt100_Output(buf, lambda: Size(rows=40, columns=80), term="xterm"),
                     history_path=tmp_path / "h", color=color)
        return buf.getvalue()

    colour = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])[;m]")
    assert colour.search(printed(True))
    assert not colour.search(printed(False))
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour.search(printed(True))


def test_commands_registry_drives_help():
    assert set(commands.names()) >= {"/help", "/quit", "/exit"}
    assert all(("/" + c.name) in commands.help_text() for c in commands.REGISTRY.values())


def test_mask():
    assert commands.mask("mail a.b@c.org or 555-123-4567; pay $150,000 on 2026-01-31") == \
        "mail [email] or [phone]; pay $150,000 on 2026-01-31"


def test_toolbar_shows_context(advisor):
    state = commands.State(advisor, advisor.chat())
    assert "no context yet" in to_plain_text(toolbar_text(state))
    state.ask(MLOPS)
    described = state.chat.context.describe()
    assert described and described in to_plain_text(toolbar_text(state))


def test_pasted_lines_are_separate_turns(advisor, tmp_path):
    _, out = session(advisor, "\x1b[200~/help\n/topics\x1b[201~\r", tmp_path / "h")
    assert "Commands:" in out and 'e.g. "' in out


def test_an_engine_bug_does_not_end_the_session(advisor, tmp_path, monkeypatch):
    def broken(self, text):
        raise RuntimeError("boom")

    monkeypatch.setattr(commands.State, "ask", broken)
    status, out = session(advisor, "anything\r/help\r", tmp_path / "h")
    assert status == 0
    assert "error: RuntimeError: boom" in out and "Commands:" in out
