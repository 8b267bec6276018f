"""One conversation: the question, the matcher's ranking and the context become a Reply.

Context rules:
- every answer remembers the intent and the entity values it was about (one per entity type);
- a question that names no value of a slot's type is answered for the remembered value;
- a question that names an entity and nothing else, or that the matcher cannot place, continues
  the last intent when that intent takes the entity ("and in Berlin?" after a London salary);
- after a clarify reply, "1", "the second one" or a word from an option picks that option.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from . import compose
from .compose import Reply
from .knowledge import Intent, KnowledgeBase
from .matcher import Match, Matcher
from .text import MAX_INPUT_CHARS, clean, truncate, words

_ORDINALS = {"first": 1, "one": 1, "second": 2, "two": 2, "third": 3, "three": 3, "fourth": 4, "four": 4, "last": -1}
SUGGEST_FLOOR = 8.0


@dataclass(frozen=True)
class Context:
    """What the conversation is about: the last intent and one value per entity type."""

    intent: str | None = None
    topic: str = ""
    entities: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    names: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    options: tuple[str, ...] = ()

    def describe(self) -> str:
        """A short line such as "topic: Salaries · city: London" ('' when empty)."""
        parts = [f"topic: {self.topic}"] if self.topic else []
        parts += [f"{etype}: {name}" for etype, name in self.names.items()]
        return " · ".join(parts)


class Chat:
    """A conversation with its own context; ask() never raises."""

    def __init__(self, kb: KnowledgeBase, matcher: Matcher) -> None:
        self.kb = kb
        self.matcher = matcher
        self.context = Context()
        self.last: Reply | None = None

    def reset(self) -> None:
        """Forget everything the conversation was about."""
        self.context = Context()
        self.last = None

    def ask(self, text: str) -> Reply:
        """Answer one turn of the conversation."""
        try:
            reply = self._ask(text)
        except Exception as exc:
            reply = Reply(f"Sorry, something went wrong while answering ({type(exc).__name__}).", "fallback")
        self.last = reply
        return reply

    def _ask(self, text: str) -> Reply:
        if not isinstance(text, str):
            text = str(text)
        text, cut = truncate(text, MAX_INPUT_CHARS)
        text = clean(text).strip()
        notice = f"Your question was cut to {MAX_INPUT_CHARS:,} characters." if cut else None
        if not words(text):
            return Reply("Ask me a question, or type /help to see what I can talk about.", "fallback", notice=notice)
        picked = self._pick_option(text)
        if picked is not None:
            reply = self._answer(picked, self.matcher.rank(text), follow=True)
            reply = replace(reply, score=self.last.score if self.last else reply.score)
        else:
            reply = self._respond(self.matcher.rank(text))
        return replace(reply, notice=notice) if notice else reply

    def _pick_option(self, text: str) -> Intent | None:
        """After a clarify or fallback reply: "1", "the second one", or words from one option's title."""
        options = self.context.options
        tokens = words(text)
        if not options or len(tokens) > 4:
            return None
        for token in tokens:
            index = int(token) if token.isdecimal() and len(token) < 3 else _ORDINALS.get(token)
            if index is not None and (index == -1 or 1 <= index <= len(options)):
                return self.kb.intent(options[index - 1 if index > 0 else -1])
        typed = set(self.matcher.content_words(text))
        if not typed:
            return None
        fits = [o for o in options if typed <= set(self.matcher.content_words(self.kb.intent(o).title))]
        return self.kb.intent(fits[0]) if len(fits) == 1 else None

    def _respond(self, match: Match) -> Reply:
        settings = self.kb.settings
        best = match.best
        mentions = match.analysis.mentions
        weak = best is None or best.score < settings.answer_threshold or best.coverage < settings.min_coverage
        if (weak or match.analysis.entity_only) and mentions and self.context.intent:
            last = self.kb.intent(self.context.intent)
            if any(s.entity == m.entity for s in last.slots for m in mentions):
                return self._answer(last, match, follow=True)
        if weak:
            return self._fallback(match)
        runner = match.candidates[1] if len(match.candidates) > 1 else None
        if runner is not None and best.score - runner.score < settings.clarify_margin:
            options = [
                self.kb.intent(c.intent) for c in match.candidates if best.score - c.score < settings.clarify_margin
            ]
            reply = compose.clarify(options[:3], best.score, compose.explain(match))
            self.context = replace(self.context, options=reply.options)
            return reply
        return self._answer(self.kb.intent(best.intent), match)

    def _answer(self, intent: Intent, match: Match, follow: bool = False) -> Reply:
        named: dict[str, list[str]] = {}
        for m in match.analysis.mentions:
            named.setdefault(m.entity, [])
            if m.value not in named[m.entity]:
                named[m.entity].append(m.value)
        entities = dict(named)
        slot_types = {s.entity for s in intent.slots}
        note = "continued from the last question" if follow else ""
        for etype in slot_types - set(named):
            if etype in self.context.entities:
                entities[etype] = [self.context.entities[etype]]
        score = next((c.score for c in match.candidates if c.intent == intent.id), 0.0)
        reply = compose.answer(intent, self.kb, entities, score, compose.explain(match, intent.id, note))
        if intent.kind == "answer":
            remembered = dict(self.context.entities)
            remembered.update({etype: values[-1] for etype, values in named.items()})
            names = {t: self.kb.entities[t].value(v).name for t, v in remembered.items()}
            self.context = Context(intent.id, intent.title, MappingProxyType(remembered), MappingProxyType(names))
        else:
            self.context = replace(self.context, options=())
        return reply

    def _fallback(self, match: Match) -> Reply:
        suggestions = [self.kb.intent(c.intent) for c in match.candidates if c.score >= SUGGEST_FLOOR]
        suggestions = [s for s in suggestions if s.kind == "answer"]
        lead = "I don't have an answer to that in my knowledge base."
        reply = compose.fallback(suggestions, match.best.score if match.best else 0.0, compose.explain(match), lead)
        self.context = replace(self.context, options=reply.options)
        return reply
