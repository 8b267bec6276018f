"""The guided interview: a few multiple-choice questions, then the outcome the answers point to.

Its format is the optional top-level ``interview:`` key of a knowledge file; it is read here, for
knowledge.py, so that everything about the interview sits in one module. The steps are pure functions
that the dialogue calls turn by turn; reading a free answer (numbers, words) is the dialogue's job.
"""

# no `from __future__ import annotations`: the cache decodes these classes by their field types (see
# knowledge.py), and as text they would be compiled at every start
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .text import TEMPLATE_FIELD, words

if TYPE_CHECKING:
    from .knowledge import EntityType, EntityValue

_KEYS = ("intent", "outcome", "source", "intro", "questions", "result", "tie", "leave", "left", "retry")
_REQUIRED = ("intent", "outcome", "intro", "questions", "result")
MAX_OPTIONS = 9


@dataclass(frozen=True)
class Option:
    """One answer to an interview question: its text, more words that pick it, and its points."""

    text: str
    words: tuple[str, ...] = ()
    points: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Question:
    """One interview question and its numbered options."""

    ask: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Interview:
    """A short interview that recommends one value of an entity type (e.g. a career track)."""

    intent: str
    outcome: str
    source: str
    intro: str
    questions: tuple[Question, ...]
    result: str
    tie: str = ""
    leave: tuple[str, ...] = ()
    left: str = ""
    retry: str = ""


@dataclass(frozen=True)
class Progress:
    """How far a conversation is in the interview: the next question and the options picked so far."""

    step: int = 0
    picks: tuple[int, ...] = ()


def question_text(interview: Interview, step: int) -> str:
    """"Question 2 of 4: ..." and its numbered options."""
    question = interview.questions[step]
    lines = [f"Question {step + 1} of {len(interview.questions)}: {question.ask}"]
    lines += [f"{n}. {option.text}" for n, option in enumerate(question.options, 1)]
    return "\n".join(lines)


def start_text(interview: Interview) -> str:
    """The introduction and the first question."""
    return f"{interview.intro}\n\n{question_text(interview, 0)}"


def retry_text(interview: Interview, step: int) -> str:
    """What to say when an answer picks no option, and the question again."""
    count = len(interview.questions[step].options)
    lead = interview.retry or "Please answer with the number of an option (1 to {count})."
    return f"{lead.replace('{count}', str(count))}\n\n{question_text(interview, step)}"


def option_texts(interview: Interview, step: int) -> list[str]:
    """Each option of a question as the words that may pick it in a free answer."""
    return [" ".join((o.text, *o.words)) for o in interview.questions[step].options]


def advance(progress: Progress, index: int) -> Progress:
    """The progress after option `index` (0-based) of the current question was picked."""
    return Progress(progress.step + 1, (*progress.picks, index))


def finished(interview: Interview, progress: Progress) -> bool:
    return progress.step >= len(interview.questions)


def wants_out(interview: Interview, text: str) -> bool:
    """Whether the answer names one of the interview's leave words or phrases."""
    typed = words(text)
    for phrase in interview.leave:
        target = words(phrase)
        if target and any(typed[i : i + len(target)] == target for i in range(len(typed) - len(target) + 1)):
            return True
    return False


def ranking(interview: Interview, picks: Sequence[int]) -> list[tuple[str, float]]:
    """Outcome values by the points the picked options gave them, best first (ties keep first-seen order)."""
    totals: dict[str, float] = {}
    for question, index in zip(interview.questions, picks):
        for value, points in question.options[index].points.items():
            totals[value] = totals.get(value, 0.0) + points
    return sorted(totals.items(), key=lambda item: -item[1])


def result(interview: Interview, outcomes: "EntityType", picks: Sequence[int]) -> tuple[str, tuple[str, ...]]:
    """The recommendation text and the winning value ids (several on a tie)."""
    ranked = ranking(interview, picks)
    top = ranked[0][1] if ranked else 0.0
    winners = [value for value, points in ranked if points == top and points > 0]
    if not winners:
        winners = [v.id for v in outcomes.values]
    blocks = [_fill(interview.result, outcomes.value(w), _reasons(interview, picks, w)) for w in winners]
    text = "\n\n".join(blocks)
    if len(winners) > 1 and interview.tie:
        text = f"{interview.tie}\n\n{text}"
    return text, tuple(winners)


def _reasons(interview: Interview, picks: Sequence[int], value: str) -> str:
    chosen = [q.options[i] for q, i in zip(interview.questions, picks)]
    return "\n".join(f"- {o.text}" for o in chosen if o.points.get(value, 0) > 0)


def _fill(template: str, value: "EntityValue", answers: str) -> str:
    facts = {"name": value.name, "answers": answers, **value.facts}
    return TEMPLATE_FIELD.sub(lambda m: facts.get(m.group(1), ""), template).strip()


# ----------------------------------------------------------------------------- reading the format


def parse(
    check: Any, node: Any, where: tuple[int, int], entities: Mapping[str, "EntityType"], intents: Collection[str]
) -> Interview | None:
    """Read the ``interview:`` section; problems are noted on `check` (knowledge.py's checker) with their place."""
    node = check.mapping(node, where, "interview")
    if node is None:
        return None
    ok = check.keys(node, _KEYS, _REQUIRED, "interview")
    intent = check.text(node, "intent", "interview")
    if intent and intent not in intents:
        ok = _undefined(check, node, "intent", f"interview: intent {intent!r} is not defined", intent, intents)
    outcome = check.text(node, "outcome", "interview")
    etype = entities.get(outcome)
    if outcome and etype is None:
        ok = _undefined(check, node, "outcome", f"interview: entity type {outcome!r} is not defined", outcome, entities)
    ids = {v.id for v in etype.values} if etype else set()
    questions = []
    for n, (raw, at) in enumerate(check.items(node, "questions", "interview: "), 1):
        question = _question(check, raw, at, f"interview question {n}", ids if etype else None)
        ok = ok and question is not None
        if question is not None:
            questions.append(question)
    result_text = check.text(node, "result", "interview")
    if etype is not None:
        known = {"name", "answers"} | {fact for v in etype.values for fact in v.facts}
        unknown = sorted(set(TEMPLATE_FIELD.findall(result_text)) - known)
        if unknown:
            check.fail(node, "result", f"interview: 'result' uses {{{unknown[0]}}}, which no {outcome!r} value has")
            ok = False
    if not ok or not questions:
        return None
    return Interview(
        intent=intent,
        outcome=outcome,
        source=check.text(node, "source", "interview"),
        intro=check.text(node, "intro", "interview"),
        questions=tuple(questions),
        result=result_text,
        tie=check.text(node, "tie", "interview"),
        leave=tuple(text.casefold() for text, _ in check.texts(node, "leave", "interview")),
        left=check.text(node, "left", "interview"),
        retry=check.text(node, "retry", "interview"),
    )


def _undefined(check: Any, node: Any, key: str, message: str, name: str, known: Collection[str]) -> bool:
    import difflib  # only a broken file needs it

    close = difflib.get_close_matches(name, list(known), n=1)
    check.fail(node, key, message + (f" (did you mean {close[0]!r}?)" if close else ""))
    return False


def _question(check: Any, node: Any, where: tuple[int, int], what: str, ids: set[str] | None) -> Question | None:
    node = check.mapping(node, where, what)
    if node is None:
        return None
    ok = check.keys(node, ("ask", "options"), ("ask", "options"), what)
    options = []
    items = check.items(node, "options", f"{what}: ")
    for n, (raw, at) in enumerate(items, 1):
        option = _option(check, raw, at, f"{what} option {n}", ids)
        ok = ok and option is not None
        if option is not None:
            options.append(option)
    if ok and not 2 <= len(options) <= MAX_OPTIONS:
        check.fail(node, "options", f"{what}: give from 2 to {MAX_OPTIONS} options")
        ok = False
    return Question(check.text(node, "ask", what), tuple(options)) if ok else None


def _option(check: Any, node: Any, where: tuple[int, int], what: str, ids: set[str] | None) -> Option | None:
    node = check.mapping(node, where, what)
    if node is None:
        return None
    ok = check.keys(node, ("text", "words", "points"), ("text",), what)
    raw = node.get("points") or {}
    points: dict[str, float] = {}
    if not isinstance(raw, dict):
        check.fail(node, "points", f"{what}: 'points' must map an outcome value to a number")
        return None
    for value in raw:
        if ids is not None and value not in ids:
            import difflib

            close = difflib.get_close_matches(str(value), sorted(ids), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (valid: {', '.join(sorted(ids))})"
            check.fail(raw, value, f"{what}: {value!r} is not a value of the outcome type{hint}", at_key=True)
            ok = False
            continue
        points[str(value)] = check.number(raw, value, f"{what} points", 0.0, 0, 10)
    found = tuple(text.casefold() for text, _ in check.texts(node, "words", what))
    return Option(check.text(node, "text", what), found, MappingProxyType(points)) if ok else None
