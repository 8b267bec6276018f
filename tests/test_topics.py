"""Issue contract: every topic has an answer reachable by a plainly worded question
(tests/conversations/topics.yaml), and every intent is reached by its own example questions."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from advisor import Advisor
from advisor.knowledge import load

TOPICS_FILE = Path(__file__).resolve().parent / "conversations" / "topics.yaml"
ENTRY_KEYS = {"intent", "q", "expect", "xfail"}
EXAMPLE_BAR = 0.97


def _entries() -> list[dict]:
    return yaml.safe_load(TOPICS_FILE.read_text(encoding="utf-8"))["topics"]


ENTRIES = _entries()


def _reached(advisor: Advisor, reply) -> str | None:
    """The intent that decided a reply: the answered one, or the decline intent behind a fallback."""
    if reply.kind == "fallback" and reply.explain is not None and reply.explain.intent:
        decided = advisor.kb.intent(reply.explain.intent)
        return decided.id if decided.kind == "decline" else None
    return reply.intent


def _params():
    for entry in ENTRIES:
        marks = [pytest.mark.xfail(strict=True, reason=entry["xfail"])] if entry.get("xfail") else []
        yield pytest.param(entry, id=f"{entry['intent']}: {entry['q']}", marks=marks)


def test_topics_file_is_well_formed():
    for entry in ENTRIES:
        assert set(entry) <= ENTRY_KEYS and {"intent", "q"} <= set(entry), entry
        assert isinstance(entry.get("expect", []), list), entry
    questions = [e["q"].casefold() for e in ENTRIES]
    assert len(questions) == len(set(questions)), "a question is listed twice"


def test_every_topic_has_a_plain_question(advisor):
    kb = advisor.kb
    covered = {e["intent"] for e in ENTRIES if not e.get("xfail")}
    wanted = {i.id for i in kb.intents}  # every answer intent and each small-talk intent
    assert not covered - wanted, f"topics.yaml names intents that do not exist: {sorted(covered - wanted)}"
    assert not wanted - covered, f"topics without a plain question in topics.yaml: {sorted(wanted - covered)}"


def test_questions_are_not_copied_from_the_knowledge_base(advisor):
    examples = {ex.casefold().strip(" ?!.") for i in advisor.kb.intents for ex in i.examples}
    copied = [e["q"] for e in ENTRIES if e["q"].casefold().strip(" ?!.") in examples]
    assert not copied, f"write these in other words: {copied}"


@pytest.mark.parametrize("entry", list(_params()))
def test_a_plain_question_reaches_its_topic(advisor, entry):
    reply = advisor.chat().ask(entry["q"])
    why = reply.explain.format() if reply.explain else ""
    assert _reached(advisor, reply) == entry["intent"], f"{entry['q']!r} -> {reply.kind} {reply.intent}\n{why}"
    intent = advisor.kb.intent(entry["intent"])
    assert reply.kind == {"smalltalk": "smalltalk", "decline": "fallback"}.get(intent.kind, "answer")
    for fragment in entry.get("expect", []):
        assert fragment in reply.text, f"{fragment!r} not in the reply to {entry['q']!r}:\n{reply.text}"
    if reply.kind == "answer":
        assert reply.sources


def test_every_intent_is_reached_by_its_own_examples(advisor):
    total, misses = 0, []
    for intent in advisor.kb.intents:
        for example in intent.examples:
            total += 1
            reply = advisor.chat().ask(example)
            if _reached(advisor, reply) != intent.id:
                misses.append(f"  {intent.id:<24} {example!r} -> {reply.kind} {reply.intent} ({reply.score:g})")
    share = 1 - len(misses) / total
    print(f"\nown examples reached: {total - len(misses)}/{total} = {share:.3f}")
    print("\n".join(misses))
    assert share >= EXAMPLE_BAR, f"{len(misses)} of {total} examples miss their intent:\n" + "\n".join(misses)


# intents whose own examples mostly miss today (known, reported in /tmp/engine_bugs.md)
WEAK_TODAY: dict[str, str] = {}


def _intent_ids() -> list:
    ids = [i.id for i in load().intents]
    weak = {i: pytest.mark.xfail(strict=True, reason=reason) for i, reason in WEAK_TODAY.items()}
    return [pytest.param(i, marks=weak[i]) if i in weak else i for i in ids]


@pytest.mark.parametrize("intent_id", _intent_ids())
def test_no_intent_loses_a_quarter_of_its_examples(advisor, intent_id):
    intent = advisor.kb.intent(intent_id)
    replies = {ex: advisor.chat().ask(ex) for ex in intent.examples}
    missed = {ex: f"{r.kind} {r.intent}" for ex, r in replies.items() if _reached(advisor, r) != intent_id}
    assert len(missed) <= len(intent.examples) * 0.25, missed


def test_the_topics_list_shows_example_questions_that_work(advisor: Advisor):
    """/topics and `advisor topics` print one example per intent: asking it must give that intent."""
    listed = [entry for topic in advisor.topics() for entry in topic.intents]
    assert {e.id for e in listed} == {i.id for i in advisor.kb.intents if i.kind == "answer"}
    for entry in listed:
        assert entry.example, entry.id
        assert advisor.chat().ask(entry.example).intent == entry.id, entry
