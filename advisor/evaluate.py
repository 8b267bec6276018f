"""`advisor eval`: question files in, accuracy and per-intent precision and recall out.

A question file is YAML: ``questions:`` a list of ``{q, intent}``, ``{q, expect: [fragments]}``
or ``{q, out_of_scope: true}``. Each question is asked in a fresh conversation.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .engine import Advisor
from .errors import AdvisorError

DECLINED = "(declined)"


@dataclass(frozen=True)
class Question:
    """One evaluation question and what a right answer looks like."""

    q: str
    intent: str | None = None
    expect: tuple[str, ...] = ()
    out_of_scope: bool = False
    where: str = ""


@dataclass(frozen=True)
class Outcome:
    """What the advisor did with one question."""

    question: Question
    kind: str
    intent: str | None
    text: str

    @property
    def predicted(self) -> str:
        return self.intent if self.kind in ("answer", "smalltalk") and self.intent else DECLINED

    @property
    def correct(self) -> bool:
        q = self.question
        if q.out_of_scope:
            return self.predicted == DECLINED
        if q.intent is not None and self.predicted != q.intent:
            return False
        folded = self.text.casefold()
        return all(fragment.casefold() in folded for fragment in q.expect) and self.predicted != DECLINED


@dataclass
class EvalReport:
    """Accuracy over all questions, with the per-intent and out-of-scope figures."""

    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return sum(o.correct for o in self.outcomes) / len(self.outcomes) if self.outcomes else 0.0

    def _in_scope(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.question.out_of_scope]

    @property
    def in_scope_accuracy(self) -> float:
        inside = self._in_scope()
        return sum(o.correct for o in inside) / len(inside) if inside else 0.0

    @property
    def wrongly_declined(self) -> float:
        inside = self._in_scope()
        return sum(o.predicted == DECLINED for o in inside) / len(inside) if inside else 0.0

    def oos_precision_recall(self) -> tuple[float, float]:
        declined = [o for o in self.outcomes if o.predicted == DECLINED]
        oos = [o for o in self.outcomes if o.question.out_of_scope]
        precision = sum(o.question.out_of_scope for o in declined) / len(declined) if declined else 1.0
        recall = sum(o.predicted == DECLINED for o in oos) / len(oos) if oos else 1.0
        return precision, recall

    def per_intent(self) -> dict[str, tuple[float, float, int]]:
        """intent -> (precision, recall, support) for the questions labelled with an intent."""
        gold = Counter(o.question.intent for o in self.outcomes if o.question.intent)
        said = Counter(o.predicted for o in self.outcomes)
        hits = Counter(
            o.question.intent for o in self.outcomes if o.question.intent and o.predicted == o.question.intent
        )
        return {i: (hits[i] / said[i] if said[i] else 0.0, hits[i] / gold[i], gold[i]) for i in sorted(gold)}

    def format(self) -> str:
        """The report `advisor eval` prints."""
        lines = [f"{'intent':<28} {'precision':>9} {'recall':>7} {'n':>4}"]
        for intent, (p, r, n) in self.per_intent().items():
            lines.append(f"{intent:<28} {p:>9.2f} {r:>7.2f} {n:>4}")
        misses = [o for o in self.outcomes if not o.correct]
        if misses:
            lines.append("")
            lines.append(f"misses ({len(misses)}):")
            for o in misses:
                want = (
                    "out of scope"
                    if o.question.out_of_scope
                    else (o.question.intent or f"text {list(o.question.expect)}")
                )
                lines.append(f"  {o.question.where} {o.question.q!r}: wanted {want}, got {o.predicted} ({o.kind})")
        p, r = self.oos_precision_recall()
        lines.append("")
        lines.append(f"questions: {len(self.outcomes)}  in scope: {len(self._in_scope())}")
        lines.append(f"in-scope accuracy: {self.in_scope_accuracy:.3f}  wrongly declined: {self.wrongly_declined:.3f}")
        lines.append(f"out-of-scope precision: {p:.3f}  recall: {r:.3f}")
        lines.append(f"accuracy: {self.accuracy:.3f}")
        return "\n".join(lines)


def load_questions(paths: list[str | Path]) -> list[Question]:
    """Read question files; a malformed file raises AdvisorError naming it."""
    out: list[Question] = []
    for path in paths:
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise AdvisorError(f"{path}: cannot read question file: {exc}") from None
        items = data.get("questions") if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise AdvisorError(f"{path}: expected a list under 'questions:'")
        for n, item in enumerate(items, 1):
            if not isinstance(item, dict) or not isinstance(item.get("q"), str):
                raise AdvisorError(f"{path}: question {n} needs a 'q:' text")
            expect = item.get("expect") or ()
            expect = (expect,) if isinstance(expect, str) else tuple(str(e) for e in expect)
            oos = bool(item.get("out_of_scope", False))
            if not oos and item.get("intent") is None and not expect:
                raise AdvisorError(f"{path}: question {n} needs 'intent', 'expect' or 'out_of_scope: true'")
            out.append(Question(item["q"], item.get("intent"), expect, oos, f"{Path(path).name}#{n}"))
    return out


def run(advisor: Advisor, questions: list[Question]) -> EvalReport:
    """Ask each question in a fresh conversation and collect the outcomes."""
    report = EvalReport()
    for q in questions:
        reply = advisor.chat().ask(q.q)
        report.outcomes.append(Outcome(q, reply.kind, reply.intent, reply.text))
    return report
