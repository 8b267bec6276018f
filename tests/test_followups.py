"""Follow-up phrases: recognised as whole lines after normalisation, validated with located errors,
and absent from a knowledge base that has none."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from advisor import Advisor
from advisor.errors import KnowledgeError
from advisor.followups import find
from advisor.knowledge import load

LOCATED = re.compile(r"^(?P<path>.+\.yaml):(?P<line>\d+):(?P<column>\d+): (?P<message>.+)$", re.S)
VALID = "intents:\n  - id: hello\n    examples: [hello there]\n    answer: Hi.\n    more: Hello again.\n"
FOLLOW_UPS = "follow_ups:\n  more:\n    phrases: [tell me more, go on]\n    missing: Nothing on {topic}.\n"


@pytest.mark.parametrize(
    ("text", "kind"),
    [("tell me more", "more"), ("Tell me MORE!", "more"), ("could you tell me a bit more", "more"),
     ("more details please", "more"), ("go on", "more"), ("why?", "why"), ("and why is that?", "why"),
     ("how come", "why"), ("why do seniors earn more than juniors", None), ("more about london", None),
     ("go on holiday", None), ("what else can you do", None)],
)
def test_a_whole_line_is_a_follow_up_or_not(advisor, text, kind):
    found = find(advisor.kb.follow_ups, text, advisor.matcher.content_words)
    assert (found[0] if found else None) == kind


def test_follow_ups_on_a_small_knowledge_base(tmp_path):
    root = tmp_path / "kb"
    root.mkdir()
    (root / "a.yaml").write_text(VALID + FOLLOW_UPS, encoding="utf-8")
    chat = Advisor(root).chat()
    assert chat.ask("go on").kind == "fallback"
    assert chat.ask("hello there").intent == "hello"
    assert chat.ask("tell me more").text == "Hello again."
    assert chat.ask("go on").text == "Nothing on Hello."
    assert "why" not in chat.kb.follow_ups
    assert chat.ask("why?").kind == "fallback", "no why phrases: an ordinary unknown question"


def test_a_knowledge_base_without_follow_ups_has_none(cooking):
    assert not cooking.kb.follow_ups
    chat = cooking.chat()
    chat.ask("how long do I boil an egg")
    assert chat.ask("tell me more").kind == "fallback"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (FOLLOW_UPS.replace("  more:", "  mroe:"), 7, "unknown key 'mroe' (did you mean 'more'?)"),
        (FOLLOW_UPS.replace("phrases: [tell me more, go on]", "phrases: tell me more"), 8, "'phrases' must be a list"),
        (FOLLOW_UPS.replace("    missing:", "    mising:"), 9, "unknown key 'mising'"),
        ("follow_ups: [more]\n", 6, "follow_ups must be a mapping"),
    ],
)
def test_a_broken_follow_ups_section_is_located(tmp_path, text, line, fragment):
    root = tmp_path / "kb"
    root.mkdir()
    (root / "a.yaml").write_text(VALID + text, encoding="utf-8")
    with pytest.raises(KnowledgeError) as info:
        load(root)
    found = LOCATED.match(str(info.value))
    assert found and Path(found["path"]) == root / "a.yaml", str(info.value)
    assert int(found["line"]) == line, str(info.value)
    assert fragment in found["message"]
