"""`advisor check`: every problem of a knowledge directory at once, errors and warnings.

Errors are what the loader refuses (knowledge.validate). Warnings are knowledge-base bugs that load
fine but make the bot answer the wrong thing, found by running the matcher over the knowledge base
itself: an example question that another intent wins, near-identical examples in two intents, a
keyword or example the matcher can draw nothing from, a template asking for a fact no value has.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from .knowledge import KnowledgeBase, Validation, fields, validate
from .matcher import Matcher
from .text import Phrases, stems

DUPLICATE_CUTOFF = 95  # fuzz.ratio of two normalised examples with their words sorted, from 0 to 100
TOP = 5  # candidates looked at per example: its closest rivals
_SHOWN = 60


@dataclass(frozen=True)
class Problem:
    """One finding, located by file, line and column (1-based; 0 = the whole file or directory)."""

    severity: str  # "error" or "warning"
    path: str
    line: int
    column: int
    message: str

    def format(self) -> str:
        """`path:line:column: severity: message`, as compilers and linters print them."""
        where = f"{self.path}:{self.line}:{self.column or 1}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"


@dataclass(frozen=True)
class Report:
    """What `advisor check` found, and the size of what it checked."""

    problems: tuple[Problem, ...]
    intents: int = 0
    entities: int = 0

    @property
    def errors(self) -> int:
        return sum(p.severity == "error" for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.severity == "warning" for p in self.problems)


def check(path: str | Path | None = None) -> Report:
    """Validate a knowledge directory (the shipped one by default) and look for overlaps.

    The matcher's warnings need a knowledge base without errors; the others look at whatever loaded.
    """
    result = validate(path)
    problems = [Problem("error", e.path, e.line, e.column, e.message) for e in result.errors]
    kb = result.kb
    if kb is None:
        return Report(tuple(problems))
    warnings = [*_templates(kb, result), *_shared_aliases(kb, result)]
    matcher = Matcher(kb) if not result.errors else None
    if matcher is not None:
        warnings += [*_never_fire(kb, result, matcher), *_won_by_another(kb, result, matcher)]
    warnings += _near_duplicates(kb, result)
    order = {intent.file: n for n, intent in enumerate(kb.intents)}
    warnings.sort(key=lambda p: (order.get(p.path, len(order)), p.line, p.column))
    entities = sum(len(e.values) for e in kb.entities.values())
    return Report((*problems, *warnings), len(kb.intents), entities)


def _show(text: str) -> str:
    return repr(text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "...")


def _warn(result: Validation, message: str, *key: object) -> Problem:
    path, line, column = result.where(*key)
    return Problem("warning", path, line, column, message)


def _templates(kb: KnowledgeBase, result: Validation) -> Iterator[Problem]:
    """Slot templates and comparisons that ask for a fact no value of the entity has."""
    for intent in kb.intents:
        for n, slot in enumerate(intent.slots):
            etype = kb.entities.get(slot.entity)
            if etype is None:
                continue  # an error already
            known = {"name"} | {fact for value in etype.values for fact in value.facts}
            for part, text in (("template", slot.template), ("missing", slot.missing)):
                for name in sorted(fields(text) - known):
                    message = (f"intent {intent.id!r}: the slot's {part} uses {{{name}}}, "
                               f"which no value of {slot.entity!r} has")
                    yield _warn(result, message, "intent", intent.id, "slots", n, part)
            for label, fact in slot.compare:
                if fact not in known:
                    message = (f"intent {intent.id!r}: compare {_show(label)} uses the fact {fact!r}, "
                               f"which no value of {slot.entity!r} has")
                    yield _warn(result, message, "intent", intent.id, "slots", n, "compare", label)


def _shared_aliases(kb: KnowledgeBase, result: Validation) -> Iterator[Problem]:
    """An alias that names two values of one entity type ("poland" for Warsaw and for Poland): a question
    using it is read as naming both."""
    for etype in kb.entities.values():
        owners: dict[tuple[str, ...], str] = {}
        for value in etype.values:
            for key, alias in {tuple(stems(a)): a for a in reversed(value.aliases)}.items():
                first = owners.setdefault(key, value.id)
                if first != value.id:
                    message = f"entity {etype.id!r}: alias {alias!r} of {value.id!r} also names {first!r}"
                    yield _warn(result, message, "entity", etype.id, value.id)


def _never_fire(kb: KnowledgeBase, result: Validation, matcher: Matcher) -> Iterator[Problem]:
    """Keywords and examples the matcher draws no feature from: only stop words, or no words at all."""
    for intent in kb.intents:
        for n, (group, _) in enumerate(intent.keywords):
            for phrase in group:
                if not matcher.analyse_example(phrase).features:
                    message = f"intent {intent.id!r}: keyword {_show(phrase)} is only stop words: it never adds weight"
                    yield _warn(result, message, "intent", intent.id, "keywords", n)
        for n, example in enumerate(intent.examples):
            if not matcher.analyse_example(example).features:
                message = f"intent {intent.id!r}: example {_show(example)} is only stop words: it can never match"
                yield _warn(result, message, "intent", intent.id, "examples", n)


def _won_by_another(kb: KnowledgeBase, result: Validation, matcher: Matcher) -> Iterator[Problem]:
    """Example questions that the matcher gives to another intent; for a decline intent, those that the
    advisor answers (another intent may rank first on a shared word, as long as the question is declined)."""
    from .dialogue import Chat

    for intent in kb.intents:
        for n, example in enumerate(intent.examples):
            if intent.kind == "decline":
                reply = Chat(kb, matcher).ask(example)
                if reply.kind in ("answer", "smalltalk"):
                    message = f"intent {intent.id!r}: its example {_show(example)} is answered as {reply.intent!r}"
                    yield _warn(result, message, "intent", intent.id, "examples", n)
                continue
            best = matcher.rank(example, limit=1).best  # the matcher prunes hard for the best alone
            if best is None or best.intent == intent.id:
                continue
            match = matcher.rank(example, limit=TOP)
            own = next((f"its own {c.score:g}" for c in match.candidates if c.intent == intent.id), "")
            message = (f"intent {intent.id!r}: its example {_show(example)} is matched to {best.intent!r} "
                       f"(score {best.score:g}, {own or f'its own not in the top {TOP}'})")
            yield _warn(result, message, "intent", intent.id, "examples", n)


def _near_duplicates(kb: KnowledgeBase, result: Validation) -> list[Problem]:
    """Pairs of examples of two different intents that read the same once case, punctuation, word
    forms and word order are set aside. Compared in rapidfuzz, one example against all at a time;
    each example's TOP closest only, so that a knowledge base of look-alikes cannot flood the report.
    Two examples that name different entity values ("what does a data engineer do", "what does a data
    scientist do") ask about different things, however alike they read."""
    owners = [(intent.id, n) for intent in kb.intents for n in range(len(intent.examples))]
    examples = [example for intent in kb.intents for example in intent.examples]
    values = Phrases({tuple(stems(alias)): f"@{etype.id}={value.id}"
                      for etype in kb.entities.values() for value in etype.values for alias in value.aliases})
    read = [stems(example) for example in examples]
    named = [frozenset(w for w in values.apply(words_) if w.startswith("@")) for words_ in read]
    texts = [" ".join(sorted(words_)) for words_ in read]  # sorted once: token_sort_ratio's job
    by_length = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    lengths = [len(texts[i]) for i in by_length]
    ordered = [texts[i] for i in by_length]
    share = DUPLICATE_CUTOFF / (200 - DUPLICATE_CUTOFF)  # the shortest/longest ratio two such texts can have
    found, seen = [], set()
    for index, text in enumerate(texts):
        if not text:
            continue
        low, high = bisect_left(lengths, len(text) * share), bisect_right(lengths, len(text) / share)
        hits = process.extract(text, ordered[low:high], scorer=fuzz.ratio, processor=None,
                               score_cutoff=DUPLICATE_CUTOFF, limit=TOP + 1)
        for _, score, position in hits:
            other = by_length[low + position]
            a, b = min(index, other), max(index, other)
            (first, n), (second, m) = owners[a], owners[b]
            if first == second or (a, b) in seen or named[a] != named[b]:
                continue
            seen.add((a, b))
            path, line, _ = result.where("intent", first, "examples", n)
            message = (f"intents {first!r} and {second!r} have near-identical examples: {_show(examples[b])} "
                       f"and {_show(examples[a])} ({Path(path).name}:{line}), similarity {score:.0f}%")
            found.append(_warn(result, message, "intent", second, "examples", m))
    return found
