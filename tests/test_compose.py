"""Building replies: comparisons that read well in 80 columns, several answers in one reply, and
every answer naming its source."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from advisor import compose
from advisor.compose import Explanation, Reply
from advisor.knowledge import EntityValue, Intent, Slot


def _value(vid: str, name: str, **facts: str) -> EntityValue:
    return EntityValue(vid, name, (name.casefold(),), MappingProxyType(facts))


def _intent(**fields) -> Intent:
    base = dict(id="pay", title="Pay", topic="Money", kind="answer", source="Chapter 1", examples=("pay",),
                keywords=(), answer="Pay is good.")
    return Intent(**{**base, **fields})


SALARY = Slot("city", "{name}: {salary}", missing="No figure for {name}.", compare=(("Average", "salary"),))


def test_short_compared_facts_line_up_in_one_column():
    values = [_value("ldn", "London (UK)", salary="~$150,000"), _value("ber", "Berlin (Germany)", salary="~$110,000")]
    text, _ = compose._slot_text(SALARY, values)
    rows = [line for line in text.splitlines() if line.startswith("- ")]
    assert rows == ["- London (UK):      ~$150,000", "- Berlin (Germany): ~$110,000"]
    assert len({row.index("~") for row in rows}) == 1
    assert all(len(line) < 80 for line in text.splitlines())


def test_long_compared_facts_are_not_padded_so_they_can_wrap():
    long = "gathers, stores and processes data, and builds ETL scripts and infrastructure for everyone else"
    slot = Slot("role", "{name}: {tasks}", compare=(("Tasks", "tasks"),))
    text, _ = compose._slot_text(slot, [_value("de", "Data engineer", tasks=long), _value("ds", "DS", tasks="studies")])
    assert "- Data engineer: gathers" in text
    assert "- DS: studies" in text


def test_a_value_without_the_fact_is_marked_and_explained():
    values = [_value("ldn", "London", salary="~$150,000"), _value("tor", "Toronto")]
    text, _ = compose._slot_text(SALARY, values)
    assert "- Toronto: not given" in text
    assert text.endswith("No figure for Toronto.")


def test_several_slots_of_one_type_add_a_paragraph_and_a_source_each(advisor):
    intent = _intent(slots=(Slot("city", "{name}: {salary}", source="Benchmarks"),
                            Slot("city", "Read on in chapter 2.", source="Chapter 2")))
    text, sources = compose.answer_text(intent, advisor.kb, {"city": ["london"]})
    assert text.split("\n\n")[1] == "Read on in chapter 2."
    assert sources == ("Benchmarks", "Chapter 2")


def _reply(text: str, kind: str, intent: str | None, sources: tuple[str, ...], score: float = 80.0) -> Reply:
    return Reply(text, kind, intent, score, sources, Explanation(intent, score), entities={"role": ("de",)})


def test_combined_replies_keep_their_order_and_merge_sources():
    first = _reply("Tasks of a data engineer.", "answer", "role_tasks", ("Chart",), 70.0)
    second = _reply("Stack of a data engineer.", "answer", "role_stack", ("Chart", "Skills"), 90.0)
    reply = compose.combine([first, second])
    assert reply.text == "Tasks of a data engineer.\n\nStack of a data engineer."
    assert (reply.kind, reply.intent, reply.score) == ("answer", "role_tasks", 70.0)
    assert reply.sources == ("Chart", "Skills")
    assert reply.entities == {"role": ("de",)}
    assert "2 questions in one line" in reply.explain.format()


def test_combined_reply_takes_its_intent_from_the_first_answer_not_a_greeting():
    hello = _reply("Hi!", "smalltalk", "greeting", ())
    answer = _reply("Stack.", "answer", "role_stack", ("Chart",))
    reply = compose.combine([hello, answer])
    assert reply.text.startswith("Hi!")
    assert (reply.kind, reply.intent, reply.sources) == ("answer", "role_stack", ("Chart",))


def test_small_talk_before_a_question_keeps_its_first_sentence_and_after_one_all_of_it():
    thanks = _reply("You're welcome! Ask me anything else.", "smalltalk", "thanks", ())
    answer = _reply("Berlin: \u20ac100,000.", "answer", "salary", ("Chart",))
    assert compose.combine([thanks, answer]).text == "You're welcome!\n\nBerlin: \u20ac100,000."
    assert compose.combine([answer, thanks]).text == "Berlin: \u20ac100,000.\n\nYou're welcome! Ask me anything else."


def test_small_talk_beside_a_question_the_bot_declines_or_asks_about_is_not_the_reply_kind():
    hello = _reply("Hi! What would you like to know?", "smalltalk", "greeting", ())
    unsure = replace(_reply("Which one?", "clarify", None, ()), options=("salary", "salary_factors"))
    reply = compose.combine([hello, unsure])
    assert (reply.kind, reply.options) == ("clarify", ("salary", "salary_factors"))
    assert reply.text == "Hi!\n\nWhich one?"


def test_said_names_the_intents_source_unless_given_one():
    intent = _intent()
    assert compose.said(intent, "More about pay.", 50.0, None).sources == ("Chapter 1",)
    assert compose.said(intent, "Step 2.", 50.0, None, ("Interview",)).sources == ("Interview",)
    assert compose.said(intent, "x", 250.0, None).score == 100.0
