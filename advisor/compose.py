"""Building replies: an intent, the entities a question named and the context become a Reply."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .knowledge import EntityValue, Intent, KnowledgeBase, Slot
from .matcher import CONTEXT_CUT, Match
from .text import TEMPLATE_FIELD

_FIRST_SENTENCE = re.compile(r"\s*\S.*?(?:[.!?](?=\s|$)|$)", re.S)
ALIGN_WIDTH = 79  # compared facts line up when every row fits an 80-column terminal


@dataclass(frozen=True)
class Explanation:
    """How a reply was chosen: what /why shows and what a failing test prints."""

    intent: str | None
    score: float
    matched: tuple[tuple[str, float], ...] = ()
    corrections: tuple[tuple[str, str], ...] = ()
    entities: tuple[tuple[str, str, str], ...] = ()
    runners_up: tuple[tuple[str, float, float], ...] = ()
    note: str = ""
    coverage: float | None = None  # the share of the question's words that speak for the intent

    def format(self) -> str:
        """Several short lines, one fact each."""
        first = f"intent: {self.intent or '(none)'}   score: {self.score:g}"
        lines = [first + (f"   coverage: {self.coverage:g}" if self.coverage is not None else "")]
        if self.matched:
            lines.append("matched: " + ", ".join(f"{f} +{p:g}" if p >= 0 else f"{f} {p:g}" for f, p in self.matched))
        if self.corrections:
            lines.append("typos: " + ", ".join(f"{a} → {b}" for a, b in self.corrections))
        if self.entities:
            lines.append("entities: " + ", ".join(f"{t}={name} ({typed!r})" for t, name, typed in self.entities))
        if self.runners_up:
            lines.append("runners-up: " + ", ".join(f"{i} {s:g} (coverage {c:g})" for i, s, c in self.runners_up))
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "score": self.score,
            "matched": [list(m) for m in self.matched],
            "corrections": [list(c) for c in self.corrections],
            "entities": [list(e) for e in self.entities],
            "runners_up": [list(r) for r in self.runners_up],
            "note": self.note,
            "coverage": self.coverage,
        }


@dataclass(frozen=True)
class Reply:
    """One answer of the advisor, with what it is based on."""

    text: str
    kind: str
    intent: str | None = None
    score: float = 0.0
    sources: tuple[str, ...] = ()
    explain: Explanation | None = None
    options: tuple[str, ...] = ()
    notice: str | None = None
    entities: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Every field, ready for JSON (`advisor ask --json`): the five scripts rely on first, then the
        numbered options of a clarify or fallback reply, the notice (null when none), the entity values
        the answer was narrowed to, and the explanation /why shows."""
        return {
            "answer": self.text,
            "kind": self.kind,
            "intent": self.intent,
            "score": self.score,
            "sources": list(self.sources),
            "options": list(self.options),
            "notice": self.notice,
            "entities": {etype: list(values) for etype, values in self.entities.items()},
            "explain": self.explain.to_dict() if self.explain is not None else None,
        }


def explain(match: Match, intent: str | None = None, note: str = "") -> Explanation:
    """Explain a match, for the chosen intent (the best candidate unless given)."""
    candidates = match.candidates
    chosen = next((c for c in candidates if c.intent == intent), candidates[0]) if candidates else None
    a = match.analysis
    evidence = chosen.evidence if chosen else ()
    points = [e for e in evidence if e[1] > 0][:8] + [e for e in evidence if e[0] == CONTEXT_CUT]
    return Explanation(
        intent=intent if intent is not None else (chosen.intent if chosen else None),
        score=shown(chosen.score) if chosen else 0.0,
        matched=tuple(points),
        corrections=a.corrections,
        entities=tuple([(m.entity, m.value, m.typed) for m in a.mentions]),
        runners_up=tuple([(c.intent, shown(c.score), round(c.coverage, 2)) for c in candidates if c is not chosen][:3]),
        note=note,
        coverage=round(chosen.coverage, 2) if chosen else None,
    )


def shown(score: float) -> float:
    """Scores are shown on a 0..100 scale; the matcher's may run past 100 for a very close match."""
    if 0.0 < score < 100.0:
        return score
    return 100.0 if score >= 100.0 or score != score else 0.0  # NaN too, as max(0.0, min(100.0, score)) gives


def fill(template: str, value: EntityValue) -> str | None:
    """Fill {name} and {fact} fields from an entity value; None if a fact is missing."""
    facts = {"name": value.name, **value.facts}
    if any(f not in facts for f in TEMPLATE_FIELD.findall(template)):
        return None
    return TEMPLATE_FIELD.sub(lambda m: facts[m.group(1)], template)


def _rows(cells: Sequence[tuple[str, str]]) -> list[str]:
    """"- Name: fact" bullets; the facts line up in one column when every row fits an 80-column terminal."""
    pad = max(len(name) for name, _ in cells) + 1
    if all(len("- ") + pad + 1 + len(fact) <= ALIGN_WIDTH for _, fact in cells):
        return [f"- {name + ':':<{pad}} {fact}" for name, fact in cells]
    return [f"- {name}: {fact}" for name, fact in cells]


def _slot_text(slot: Slot, values: Sequence[EntityValue]) -> tuple[str, bool]:
    """What a slot says about the values named, and whether any of it came from their facts (not from
    `missing`, nor a template that their facts leave empty)."""
    if len(values) >= 2 and slot.compare:
        blocks = []
        for label, fact in slot.compare:
            if any(v.facts.get(fact) for v in values):  # a row of "not given" only says nothing
                rows = _rows([(v.name, v.facts.get(fact) or "not given") for v in values])
                blocks.append(f"{label}:\n" + "\n".join(rows))
        missing = [fill(slot.missing, v) for v in values if not all(f in v.facts for _, f in slot.compare)]
        return "\n\n".join(blocks + [m for m in missing if m]), bool(blocks)
    lines, filled = [], False
    for v in values:
        text = fill(slot.template, v)
        filled = filled or bool(text)
        if text is None:
            text = fill(slot.missing, v) if slot.missing else None
        if text:
            lines.append(text)
    return "\n\n".join(lines), filled


def answer_text(
    intent: Intent, kb: KnowledgeBase, entities: Mapping[str, Sequence[str]]
) -> tuple[str, tuple[str, ...]]:
    """The intent's answer, narrowed to the entity values named if its slots take them, and its sources."""
    parts, sources, filled = [], [], 0
    for slot in intent.slots:
        ids = entities.get(slot.entity, ())
        values = [kb.entities[slot.entity].value(i) for i in ids]
        text, from_facts = _slot_text(slot, values) if values else ("", False)
        filled += from_facts
        if text:
            parts.append(text)
            sources.append(slot.source or intent.source)
    if not parts:
        return intent.answer, (intent.source,) if intent.source else ()
    if filled > 1 and intent.combined:
        parts.append(intent.combined)
    return "\n\n".join(parts), tuple(dict.fromkeys(s for s in sources if s))


def answer(
    intent: Intent, kb: KnowledgeBase, entities: Mapping[str, Sequence[str]], score: float, why: Explanation | None
) -> Reply:
    """A reply of kind answer or smalltalk for a chosen intent."""
    used = {s.entity: tuple(entities.get(s.entity, ())) for s in intent.slots if entities.get(s.entity)}
    text, sources = answer_text(intent, kb, entities)
    return Reply(
        text=text,
        kind="smalltalk" if intent.kind == "smalltalk" else "answer",
        intent=intent.id,
        score=shown(score),
        sources=sources,
        explain=why,
        entities=used,
    )


def clarify(options: Sequence[Intent], score: float, why: Explanation | None) -> Reply:
    """Ask which of several close intents the person meant, as numbered options."""
    lines = ["I'm not sure which of these you mean:"]
    lines += [f"{n}. {o.title}" for n, o in enumerate(options, 1)]
    lines.append("Answer with a number or a word from the one you want.")
    return Reply("\n".join(lines), "clarify", None, shown(score), (), why, tuple(o.id for o in options))


def fallback(suggestions: Sequence[Intent], score: float, why: Explanation | None, lead: str) -> Reply:
    """Say plainly that there is no answer, and offer up to three nearby topics."""
    text = lead.strip()
    if suggestions:
        text += "\n\nNearby topics I can answer:\n" + "\n".join(f"- {s.title}" for s in suggestions[:3])
    return Reply(text, "fallback", None, shown(score), (), why, tuple(s.id for s in suggestions[:3]))


def said(
    intent: Intent, text: str, score: float, why: Explanation | None, sources: Sequence[str] | None = None
) -> Reply:
    """A reply that gives another text of an intent (its `more` or `why`, an interview step), with its sources."""
    if sources is None:
        sources = (intent.source,) if intent.source else ()
    kind = "smalltalk" if intent.kind == "smalltalk" else "answer"
    return Reply(text, kind, intent.id, shown(score), tuple(s for s in sources if s), why)


def combine(replies: Sequence[Reply]) -> Reply:
    """The replies to several questions asked in one line, in order, as one reply.

    The texts follow each other; the sources are merged; kind and intent are those of the first
    answer (else of the first reply that is not small talk, else of the first), so /why and `advisor
    eval` see the first question; with no answer, its options are the reply's (ready for "1").
    Small talk before a question keeps only its first sentence ("Hi!", "You're welcome!"): the rest
    invites a question, and one follows.
    """
    lead = next((r for r in replies if r.kind == "answer"), None)
    lead = lead or next((r for r in replies if r.kind != "smalltalk"), replies[0])
    asked = [r.kind != "smalltalk" for r in replies]
    texts = [
        _FIRST_SENTENCE.match(r.text).group() if r.kind == "smalltalk" and any(asked[n + 1 :]) else r.text
        for n, r in enumerate(replies)
    ]
    entities: dict[str, tuple[str, ...]] = {}
    for reply in replies:
        for etype, values in reply.entities.items():
            entities[etype] = tuple(dict.fromkeys((*entities.get(etype, ()), *values)))
    parts = "; ".join(f"{r.intent or r.kind} {r.score:g}" for r in replies)
    note = f"{len(replies)} questions in one line, answered in order: {parts}"
    why = lead.explain
    if why is not None:
        why = replace(why, note="\n".join(filter(None, (why.note, note))))
    return Reply(
        text="\n\n".join(texts),
        kind=lead.kind,
        intent=lead.intent,
        score=lead.score,
        sources=tuple(dict.fromkeys(s for r in replies for s in r.sources)),
        explain=why,
        options=lead.options if lead.kind != "answer" else (),
        entities=entities,
    )
