"""Conversations: scripted multi-turn dialogues (tests/conversations/*.yaml) and properties that
hold for any input — a chat never raises and always gives one of the four kinds of reply."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor import Reply
from advisor.text import MAX_INPUT_CHARS

CONVERSATIONS = Path(__file__).resolve().parent / "conversations"
KINDS = {"answer", "clarify", "fallback", "smalltalk"}
TURN_KEYS = {"q", "kind", "intent", "option", "expect", "not_expect", "context", "notice", "reset"}
CRASHED = "something went wrong"


def _scripts() -> list[Any]:
    params = []
    for path in sorted(CONVERSATIONS.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or "conversations" not in data:
            continue
        fixture = data.get("advisor", "advisor")
        for conv in data["conversations"]:
            marks = [pytest.mark.xfail(strict=True, reason=conv["xfail"])] if conv.get("xfail") else []
            params.append(pytest.param(fixture, conv, id=f"{path.stem}: {conv['name']}", marks=marks))
    return params


SCRIPTS = _scripts()


def test_conversation_files_are_well_formed():
    assert len(SCRIPTS) >= 15
    names = [p.id for p in SCRIPTS]
    assert len(names) == len(set(names)), "conversation names must be unique within a file"
    for param in SCRIPTS:
        fixture, conv = param.values
        assert fixture in ("advisor", "cooking"), param.id
        assert conv.get("turns"), param.id
        for n, turn in enumerate(conv["turns"], 1):
            assert set(turn) <= TURN_KEYS, f"{param.id} turn {n}: unknown keys {set(turn) - TURN_KEYS}"
            assert "q" in turn or turn.get("reset"), f"{param.id} turn {n}: nothing to do"
            assert turn.get("kind", "answer") in KINDS, f"{param.id} turn {n}"


def _listed_topics(text: str) -> list[str]:
    _, _, tail = text.partition("Nearby topics I can answer:")
    return [line for line in tail.splitlines() if line.startswith("- ")]


def check_reply(reply: Reply) -> None:
    """What holds for every reply, whatever was asked."""
    assert isinstance(reply, Reply)
    assert reply.kind in KINDS
    assert reply.text.strip()
    assert 0 <= reply.score <= 100
    data = reply.to_dict()
    assert set(data) == {"answer", "kind", "intent", "score", "sources", "options", "notice", "entities", "explain"}
    assert json.loads(json.dumps(data)) == data
    assert data["answer"] == reply.text and data["kind"] == reply.kind
    assert isinstance(data["sources"], list)
    if reply.kind in ("answer", "smalltalk"):
        assert reply.intent
    else:
        assert reply.intent is None
    if reply.kind == "answer":
        assert reply.sources, f"an answer names its source: {reply.intent}"
    if reply.kind == "fallback":
        assert len(_listed_topics(reply.text)) <= 3
        assert len(reply.options) <= 3
    if reply.kind == "clarify":
        assert 2 <= len(reply.options) <= 3


@pytest.mark.parametrize(("fixture", "conv"), SCRIPTS)
def test_conversation(request, fixture, conv):
    chat = request.getfixturevalue(fixture).chat()
    transcript: list[str] = []
    previous: Reply | None = None
    for n, turn in enumerate(conv["turns"], 1):
        if turn.get("reset"):
            chat.reset()
            transcript.append("(reset)")
        reply = None
        if "q" in turn:
            reply = chat.ask(str(turn["q"]))
            transcript.append(f"> {turn['q']}\n[{reply.kind} {reply.intent} {reply.score}]\n{reply.text}")
            if reply.explain:
                transcript.append(reply.explain.format())
        where = f"turn {n} of {conv['name']!r}:\n" + "\n".join(transcript)
        if reply is not None:
            check_reply(reply)
            if "kind" in turn:
                assert reply.kind == turn["kind"], where
            if "intent" in turn:
                assert reply.intent == turn["intent"], where
                if turn["intent"] is not None and "kind" not in turn:
                    assert reply.kind in ("answer", "smalltalk"), where
            if "option" in turn:
                assert previous is not None and previous.options, where
                assert reply.intent == previous.options[turn["option"] - 1], where
            for fragment in turn.get("expect", []):
                assert fragment in reply.text, f"{fragment!r} missing at {where}"
            for fragment in turn.get("not_expect", []):
                assert fragment not in reply.text, f"{fragment!r} present at {where}"
            assert CRASHED not in reply.text, where
            if "notice" in turn:
                assert reply.notice and turn["notice"] in reply.notice, where
        if "context" in turn:
            described = chat.context.describe()
            if turn["context"] == "":
                assert described == "", where
            else:
                for fragment in turn["context"]:
                    assert fragment in described, f"context {described!r} lacks {fragment!r} at {where}"
        previous = reply if reply is not None else previous


# ------------------------------------------------------------------------------ single behaviours


def test_reset_clears_the_context(advisor):
    chat = advisor.chat()
    chat.ask("how much does a senior earn in london")
    assert "London" in chat.context.describe() and "Senior" in chat.context.describe()
    chat.reset()
    assert chat.context.describe() == ""
    assert chat.last is None


def test_each_chat_has_its_own_context(advisor):
    first, second = advisor.chat(), advisor.chat()
    first.ask("what does a data engineer do")
    assert second.context.describe() == ""
    assert "Data engineer — stack" in first.ask("what's their stack?").text
    assert "Data engineer — stack" not in second.ask("what's their stack?").text


@pytest.mark.parametrize("text", ["", " ", "\n\t  \n", "???", "...", "\x1b[31m\x1b[0m", "\x00\x07", "—"])
def test_empty_input_gets_a_fallback_not_an_exception(advisor, text):
    reply = advisor.chat().ask(text)
    check_reply(reply)
    assert reply.kind == "fallback"
    assert CRASHED not in reply.text


def test_a_very_long_question_is_cut_with_a_notice(advisor):
    text = "how much does a junior ML engineer earn in London? " * 100
    assert len(text) >= 5000
    reply = advisor.chat().ask(text[:5000])
    check_reply(reply)
    assert reply.notice and "cut" in reply.notice and f"{MAX_INPUT_CHARS:,}" in reply.notice
    assert reply.intent == "salary"


def test_a_normal_question_has_no_notice(advisor):
    assert advisor.chat().ask("salary in berlin").notice is None


@pytest.mark.parametrize(
    "text", ["tell me a joke", "give me a recipe for pancakes", "will it rain tomorrow in my town"]
)
def test_out_of_scope_offers_at_most_three_topics(advisor, text):
    reply = advisor.chat().ask(text)
    assert reply.kind == "fallback"
    leads = {"I don't have an answer to that in my knowledge base."}
    leads |= {i.answer.strip() for i in advisor.kb.intents if i.kind == "decline"}
    assert reply.text.split("\n\n")[0] in leads
    assert len(_listed_topics(reply.text)) <= 3
    assert [f"- {advisor.kb.intent(o).title}" for o in reply.options] == _listed_topics(reply.text)


@pytest.mark.parametrize(
    "text",
    [
        "write a poem about cats",
        "how much does a nurse earn",
        "how much does a zookeeper earn",
    ],
)
def test_out_of_scope_questions_named_in_the_issue_get_a_fallback(advisor, text):
    reply = advisor.chat().ask(text)
    assert reply.kind == "fallback", f"{reply.intent} {reply.score}\n{reply.explain.format() if reply.explain else ''}"


def test_a_decline_intent_answers_with_its_own_line_and_suggests_only_answers(advisor):
    reply = advisor.chat().ask("how do i become a plumber")
    decline = advisor.kb.intent("other_careers")
    assert reply.kind == "fallback" and reply.intent is None
    assert reply.text.startswith(decline.answer.strip())
    assert all(advisor.kb.intent(o).kind == "answer" for o in reply.options)
    assert "other_careers" not in {e.id for t in advisor.topics() for e in t.intents}


def test_clarify_options_are_numbered_titles(cooking):
    reply = cooking.chat().ask("a hot drink")
    assert reply.kind == "clarify"
    for n, option in enumerate(reply.options, 1):
        assert f"{n}. {cooking.kb.intent(option).title}" in reply.text


@pytest.mark.parametrize(("pick", "index"), [("1", 0), ("2", 1), ("second", 1), ("the last one", -1), ("one", 0)])
def test_picking_a_clarify_option(cooking, pick, index):
    chat = cooking.chat()
    options = chat.ask("a hot drink").options
    reply = chat.ask(pick)
    assert reply.kind == "answer"
    assert reply.intent == options[index]
    assert reply.score > 0, "a picked answer shows a real score (ask --json prints it)"
    assert chat.context.options == ()


# questions that have tied two intents on the shipped base at some point of tuning
AMBIGUOUS = ["what does a junior earn", "skills and tools", "tools and research", "cloud and course", "role and math",
             "python model", "salary work", "data tools", "track and junior", "tools junior",
             "is R useful for ML engineers", "what i can ingore at the start of learning ml"]


def test_picking_an_option_on_the_shipped_base(advisor):
    for question in AMBIGUOUS:
        chat = advisor.chat()
        first = chat.ask(question)
        if first.kind == "clarify":
            break
    else:
        pytest.skip("no question in AMBIGUOUS gives a clarify reply with today's tuning")
    assert first.text.splitlines()[1].startswith("1. ")
    reply = chat.ask("1")
    assert (reply.kind, reply.intent) == ("answer", first.options[0]), question
    again = advisor.chat()
    again.ask(question)
    assert again.ask("the second one").intent == first.options[1]


@pytest.mark.parametrize("digit", ["\u1369", "\U00010a40"])  # Ethiopic digit one, Kharoshthi digit one
def test_a_non_decimal_digit_after_clarify_does_not_crash(cooking, digit):
    chat = cooking.chat()
    chat.ask("a hot drink")
    assert CRASHED not in chat.ask(digit).text


def test_an_explanation_accompanies_every_answer(advisor):
    reply = advisor.chat().ask("salery in londn")
    assert reply.explain is not None
    text = reply.explain.format()
    assert "intent: salary" in text
    assert "salery → salary" in text
    assert "city=london" in text


@pytest.mark.parametrize(
    ("text", "intent"), [("pytorch?", "tool_advice"), ("docker", "tool_advice"), ("london?", "salary")]
)
def test_a_bare_name_asks_about_that_thing(advisor, text, intent):
    """A first question that only names one thing is answered by an intent that takes it: the library
    block scores higher on "pytorch" alone, but the tool intent says what the article says of PyTorch."""
    reply = advisor.chat().ask(text)
    assert reply.intent == intent and reply.entities


LOST_ON_COVERAGE = ["dba salary in berlin", "pharmacist wage", "senior accountant salary", "dentist salary germany",
                    "how much does a zookeeper earn", "physiotherapist salary australia",
                    "average electrician salary in london", "firefighter requirments"]


def test_the_explanation_shows_why_a_higher_score_lost(advisor):
    """Another career's pay: the salary intent may score more but speaks for less of the question.
    Which of these questions shows it depends on the refit, so the first that does is checked."""
    lost = []
    for question in LOST_ON_COVERAGE:
        why = advisor.chat().ask(question).explain
        lost += [(why, r) for r in why.runners_up if r[1] > why.score]
    assert lost, "every chosen intent also scored highest"
    why, beaten = lost[0]
    assert beaten[2] < 1.0
    assert f"{beaten[0]} {beaten[1]:g} (coverage {beaten[2]:g})" in why.format()
    assert why.to_dict()["coverage"] == why.coverage


# ------------------------------------------------------------------------------ properties

HYPOTHESIS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@HYPOTHESIS
@given(st.text(max_size=2000))
def test_ask_never_raises_on_any_text(advisor, text):
    reply = advisor.chat().ask(text)
    check_reply(reply)
    assert CRASHED not in reply.text


TURN = st.one_of(
    st.text(max_size=200),
    st.sampled_from(
        ["salary in london", "and in berlin?", "1", "the second one", "what's their stack?", "thanks",
         "what does a data engineer do", "a hot drink", "hi", "", "tell me a joke", "why?", "last"]
    ),
)


@HYPOTHESIS
@given(st.lists(TURN, min_size=1, max_size=6), st.booleans())
def test_any_sequence_of_turns_gets_well_formed_replies(advisor, cooking, turns, on_cooking):
    chat = (cooking if on_cooking else advisor).chat()
    for text in turns:
        reply = chat.ask(text)
        check_reply(reply)
        assert CRASHED not in reply.text
        assert chat.last is reply
        assert isinstance(chat.context.describe(), str)


# ------------------------------------------------------------------------------ several questions, /quiz


def _order(text: str, *fragments: str) -> list[int]:
    return [text.index(fragment) for fragment in fragments]


def test_two_questions_in_one_line_are_answered_in_order(advisor):
    reply = advisor.chat().ask("what does a data engineer do and what tools do they use?")
    positions = _order(reply.text, "Data engineer — what they do", "Data engineer — stack")
    assert positions == sorted(positions)
    assert (reply.kind, reply.intent) == ("answer", "role_tasks")
    assert reply.sources
    turned = advisor.chat().ask("what tools does a data engineer use? and what do they do all day?")
    positions = _order(turned.text, "Data engineer — stack", "Data engineer — what they do")
    assert positions == sorted(positions) and turned.intent == "role_stack"


@pytest.mark.parametrize(
    "text",
    ["compare salaries in london and berlin", "data scientist and data engineer differences",
     "what frameworks and tools does an ml engineer use", "salary in london and in berlin"],
)
def test_one_question_with_and_is_not_split(advisor, text):
    chat = advisor.chat()
    assert chat._plan(text) is None
    reply = chat.ask(text)
    assert "questions in one line" not in (reply.explain.format() if reply.explain else "")


@pytest.mark.parametrize(
    ("text", "intent"),
    [("I'm a physicist. What skills does an ML engineer need?", "skills_overview"),
     ("musician, zero tech background. what is machine learning in plain words", "ml_definition")],
)
def test_a_sentence_that_tells_is_the_setting_of_the_question_after_it(advisor, text, intent):
    reply = advisor.chat().ask(text)
    assert reply.intent == intent
    assert "questions in one line" not in reply.explain.format()


@pytest.mark.parametrize(
    ("text", "intents"),
    [("Tell me the salary in London. Also what skills are needed.", ("salary", "skills_overview")),
     ("Hi! What does a data engineer do?", ("greeting", "role_tasks")),
     ("What does a data engineer do. What tools do they use.", ("role_tasks", "role_stack")),
     ("ok thanks and what about skills?", ("thanks", "skills_overview")),
     ("jr mle pay? and how long till senior", ("salary", "career_map"))],
)
def test_a_sentence_asks_before_a_clause_word_as_small_talk_or_as_a_clear_question(advisor, text, intents):
    shown = advisor.chat().ask(text).explain.format()
    assert f"2 questions in one line, answered in order: {intents[0]} " in shown
    assert f"; {intents[1]} " in shown


def test_sentence_punctuation_splits_on_another_knowledge_base(cooking):
    reply = cooking.chat().ask("how long do I boil an egg? how do I sharpen a knife?")
    positions = _order(reply.text, "Egg: 10 minutes", "Sharpen on a whetstone")
    assert positions == sorted(positions)
    assert reply.sources == ("The Little Kitchen Book, chapter 2", "The Little Kitchen Book, chapter 1")
    # the cooking base lists no clause words, so "and" does not split there
    assert "whetstone" not in cooking.chat().ask("how long do I boil an egg and how do I sharpen a knife").text


def test_a_comparison_is_remembered_for_the_next_question(advisor):
    chat = advisor.chat()
    chat.ask("junior vs senior career stages")
    assert "level: Junior, Senior" in chat.context.describe()
    reply = chat.ask("and what do they earn?")
    assert "$90,000 \u2013 $130,000" in reply.text and "$220,000 \u2013 $350,000" in reply.text


def test_the_quiz_command_starts_the_interview_and_is_recorded(advisor, cooking):
    from advisor import commands

    state = commands.State(advisor, advisor.chat())
    shown = commands.run(state, "/quiz")
    assert "Question 1 of" in shown and "Source: Three career paths" in shown
    assert state.transcript[-1].question == "/quiz" and state.last is state.transcript[-1].reply
    assert "interview: question 1 of" in commands.run(state, "/context")
    assert "Question 2 of" in state.ask("1").text
    other = commands.State(cooking, cooking.chat())
    assert "no interview" in commands.run(other, "/quiz")
    assert "/quiz" in commands.help_text()


def test_the_asking_parts_are_split_at_commas_but_so_and_dashes():
    from advisor.dialogue import _asking

    assert _asking("sorry dumb question but what actually is machine learning") == (
        "sorry dumb question", "what actually is machine learning")
    assert _asking("I'm 34, an accountant. Which topics can I skip for now?") == (
        " Which topics can I skip for now?",)
    assert "is it worth learning" in _asking("tableau - is it worth learning")
    assert _asking("what does an ML engineer do") == ()


def test_a_candidate_under_the_threshold_never_outweighs_one_that_passes(advisor):
    """Of the candidates that pass (covered, at or above the threshold), the best score x coverage^2
    answers: a closer-fitting one that scores under the threshold does not turn the answer into a no."""
    from advisor.matcher import Candidate, Match

    floor = advisor.kb.settings.answer_threshold
    passes = Candidate("skills_overview", floor + 8, (), 0.74, 0.74)
    under = Candidate("skill_english", floor - 1, (), 1.0, 1.0)
    reply = advisor.chat()._respond(Match(advisor.matcher.analyse("which knowledge is needed"), (passes, under)))
    assert (reply.kind, reply.intent) == ("answer", "skills_overview")


def test_the_courtesies_of_a_long_message_do_not_make_it_another_topic(advisor):
    """Long and polite: most words speak for no topic, yet the question is plain. Short with one
    strange word: that word is the topic, and the question is declined."""
    long = "I would appreciate a brief summary of what a machine learning engineer does in their day-to-day work."
    assert advisor.chat().ask(long).intent == "role_tasks"
    assert advisor.chat().ask("how much does a zookeeper earn").kind == "fallback"


@pytest.mark.parametrize(
    ("text", "intent"),
    [("thx a ton", "thanks"), ("awesome thank u very much", "thanks"), ("hallo, nice to meet u", "greeting")],
)
def test_small_talk_is_not_declined_for_words_the_knowledge_base_never_saw(advisor, text, intent):
    reply = advisor.chat().ask(text)
    assert (reply.kind, reply.intent) == ("smalltalk", intent)


def test_small_talk_still_gives_way_to_a_word_known_from_another_topic(advisor):
    assert advisor.chat().ask("thanks for the nurse salaries").kind == "fallback"


@pytest.mark.parametrize(
    ("text", "order"),
    [("salary in London? also what's the weather there", ("salary", "fallback")),
     ("what does an mlops engineer do and how much do plumbers earn", ("role_tasks", "fallback")),
     ("how much do plumbers earn and what does an mlops engineer do", ("fallback", "role_tasks"))],
)
def test_a_declined_question_beside_a_clear_one_does_not_sink_it(advisor, text, order):
    reply = advisor.chat().ask(text)
    assert (reply.kind, reply.intent) == ("answer", next(i for i in order if i != "fallback"))
    assert re.search(rf"answered in order: {order[0]} [\d.]+; {order[1]} ", reply.explain.format())
    assert "another line of work" in reply.text or "outside what I know" in reply.text


def test_a_declined_part_does_not_lend_a_weak_neighbour_an_answer(advisor):
    assert advisor.chat().ask("how i make a taxi app like uber? give me the code").kind == "fallback"


def test_a_remark_after_small_talk_is_left_unanswered(advisor):
    reply = advisor.chat().ask("gotta go now, bye! will come back later with more questions")
    assert (reply.kind, reply.intent) == ("smalltalk", "goodbye")
    assert "\n\n" not in reply.text
    assert "questions in one line" not in reply.explain.format()


def test_a_clause_word_inside_a_name_joins_no_two_questions(advisor):
    reply = advisor.chat().ask("hey is weights and biases worth learning")
    assert (reply.kind, reply.intent) == ("answer", "tool_advice")
    assert reply.text.startswith("Weights & Biases")
    assert "questions in one line" not in reply.explain.format()


def test_a_clause_word_between_two_names_of_one_type_joins_the_names(advisor):
    reply = advisor.chat().ask("okay so compare london and new york for ml engineer pay which is higher")
    assert (reply.kind, reply.intent) == ("answer", "salary")
    assert "£120,000" in reply.text and "$215,000" in reply.text
    assert "questions in one line" not in reply.explain.format()


def test_more_of_the_same_small_talk_is_answered_once(advisor):
    reply = advisor.chat().ask("thanks! that helps a lot")
    assert (reply.kind, reply.intent) == ("smalltalk", "thanks")
    assert "questions in one line" not in reply.explain.format()
