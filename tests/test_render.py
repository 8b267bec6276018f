"""How answers look: wrapping, hanging bullets, sources, no escape codes where none belong."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from advisor import Advisor, render


@dataclass
class FakeReply:
    text: str
    kind: str = "answer"
    sources: tuple[str, ...] = ()
    notice: str | None = None


LONG = "Machine learning engineers turn models into services that handle load, get updated and run reliably."


def test_wraps_at_width():
    lines = render.plain(FakeReply(LONG), width=40).splitlines()
    assert len(lines) > 2
    assert all(len(line) <= 40 for line in lines)
    assert " ".join(lines) == LONG


def test_bullets_hang():
    lines = render.plain(FakeReply("Skills:\n- " + LONG), width=40).splitlines()
    assert lines[1].startswith("- ")
    assert all(line.startswith("  ") and not line.startswith("   ") for line in lines[2:])


def test_continuation_line_stays_under_its_bullet():
    text = render.plain(FakeReply("- Python\n  the language most ML code is written in"), width=40)
    first, *rest = text.splitlines()
    assert first.startswith("- Python the language") and rest and all(line.startswith("  ") for line in rest)


def test_hard_wrapped_prose_is_reflowed_to_the_width():
    reply = FakeReply("The article gives two lists and never combines\nthem, so it has no figure.")
    text = render.plain(reply, width=100)
    assert text == "The article gives two lists and never combines them, so it has no figure."


def test_paragraphs_and_sources():
    text = render.plain(FakeReply("One.\n\nTwo.", sources=("Salaries", "Skills")))
    assert text == "One.\n\nTwo.\nSources: Salaries; Skills"


def test_plain_has_no_escape_codes_and_strips_controls():
    reply = FakeReply("bold \x1b[1mtext\x1b[0m\x07 and \x1b]0;title\x07 bell\r", sources=("\x1b[31mred",))
    text = render.plain(reply, width=40)
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text
    assert "bold text and  bell" in text and "Source: red" in text


def test_sanitize_keeps_text_and_newlines():
    assert render.sanitize("a\tb\nc\x00d\u202e") == "a b\ncd"


def test_notice_comes_first():
    text = render.plain(FakeReply("Answer.", notice="Your question was cut to 1,000 characters."))
    assert text.splitlines()[0].startswith("Your question was cut")


def test_fragments_style_by_kind():
    frags = render.fragments(FakeReply("Hello!", kind="smalltalk", sources=("Greeting",)))
    styles = {style for style, _ in frags}
    assert "class:smalltalk" in styles and "class:source" in styles


def test_table_rows_are_not_rewrapped():
    row = "| Junior | $90,000 - $130,000 | $70,000 - $95,000 | more columns |"
    assert render.plain(FakeReply(row), width=30) == row


def test_real_reply_renders(advisor: Advisor):
    reply = advisor.chat().ask("how much does an ML engineer earn")
    lines = render.plain(reply, width=60).splitlines()
    assert all(len(line) <= 60 for line in lines)
    assert any(line.startswith("- ") for line in lines) and lines[-1].startswith("Source")


@pytest.mark.parametrize(("env", "flag", "expected"), [
    ("", False, True), ("1", False, False), ("yes", False, False), ("", True, False),
])
def test_use_color_honours_no_color(monkeypatch, env, flag, expected):
    monkeypatch.setenv("NO_COLOR", env)
    assert render.use_color(flag) is expected


def test_a_plain_line_after_a_list_item_is_not_swallowed_by_it():
    text = render.plain(FakeReply("Which one?\n1. Salaries\n2. Career stages\nAnswer with a number."), width=80)
    assert text.splitlines()[-1] == "Answer with a number."
