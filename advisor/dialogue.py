"""One conversation: the question, the matcher's ranking and the context become a Reply.

Context rules, as Chat.ask applies them (the knowledge base supplies every word and text they use):
1. Memory. Every answer remembers its intent (the topic) and, per entity type, the values the question
   named (several when it named several: after "junior vs senior", "and what do they earn?" gives both).
2. New subject. A question answered as a new question that names a value replaces the remembered
   values by the ones it names; values of other types are forgotten.
3. Same subject. A question that names no value keeps the remembered values, and the answer's slots
   take them ("what's their stack?" after "what does a data engineer do"). When its best candidates
   are too close to choose, the one of them (if only one) whose slots take a remembered type is answered.
4. Continuation. A question that names an entity and nothing else, or that the matcher cannot place,
   continues the last intent when that intent takes the entity; the named values replace those of
   their type and the others are kept ("and in Berlin?" after a London salary, "and a senior?").
   Words that ask something of the entity for another intent (SPLIT_FRAME_MIN points besides the
   entity names) make it a new question: "what does a data engineer do" after a salary.
5. Follow-ups. A line that is one of the knowledge base's `follow_ups` phrases (same content words:
   "and why?" is "why") answers with the last topic's `more` ("tell me more") or `why` ("why?") text;
   once `more` is given, "tell me more" after a narrowed answer gives the whole answer; when nothing is
   left, the follow-up's `missing` text says so; with no topic yet, its `no_topic` text (a fallback).
   The topic and its values stay.
6. Picks. After a clarify or fallback reply, a line of at most four words with "1", "the second one"
   or words of only one option picks it, answered for the entities of the question that led there.
7. Several questions in one line. The line is cut at sentence punctuation (. ? ! ;) and at the
   settings' `clause_words` ("and", "also"); two neighbouring parts become two questions only when
   each, on its own, gets a clear answer (score at least 50 and a clarify margin above the answer
   threshold, no close runner-up, more than entity names: "salary in London and Berlin" is one
   question, "jr mle pay? and how long till senior?" two), from different intents, and parts cut at a
   clause word have three words or more (the first may be shorter when it is small talk: "ok thanks and
   what about skills?"). A part naming no entity is ranked as if it named the types named before it; a
   follow-up phrase is a part of its own ("salary in London. Why?"). The parts are answered in order,
   each in the context the previous one left; the reply holds their texts in order and their merged
   sources; its kind and intent are those of the first answer (the first part when none is one). A
   sentence that tells (see Chat._told: "I'm a physicist. What skills ...?") is the setting of the part
   after it, never a question of its own; after small talk the next part is one when it asks ("thanks!
   and in Berlin?") and is no more of the same ("thanks! that helps" is one thanks), and a remark that
   asks nothing is left unanswered ("bye! will come back later"). A clause word inside a name ("weights
   and biases") or between two names of one type ("compare London and New York") cuts nothing, nor do
   the clause words of a line one intent answers whole (see Chat._whole). A part a `decline` intent
   clearly wins is a question of its own (and gets its fallback) beside one that scores at least as
   high as a typical example question ("salary in London? also what's the weather there").
8. Interview. The intent the knowledge base's `interview:` names starts the interview, unless the
   question names one of its outcome values. During it, a number, an ordinal or the option sharing
   most words with the answer is picked; a leave word ("stop") ends it; another question answered
   clearly ends it and is answered, with the interview's `left` text as a notice; anything else (a
   follow-up phrase too) repeats the question. The result becomes the topic, with the recommended value remembered.
9. Small talk leaves the context as it is; chat.reset() (/reset) empties it, interview included.
Candidates whose coverage is under the settings' `min_coverage` (less for a high score or a long
question, see Chat._covered) are passed over; in a text of several sentences or clauses, a candidate's
coverage is the best of the whole text's and that of each part that asks, so the story told around a
question does not count against its answer. Of the others, the one with the highest score times
coverage squared is the best. Among candidates within the clarify margin, one whose idf-weighted
coverage of the whole text is clearly the highest is answered without asking ("english skills" is
about English, not skills in general; for "I know Excel and a bit of Access. What about SQL, will I
need it?", the data skills speak for more of the story than one tool's advice); a `decline` intent
that wins gives a fallback with its own opening line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import MappingProxyType

from . import compose, followups, interview
from .compose import Reply
from .interview import Interview, Progress
from .knowledge import Intent, KnowledgeBase
from .matcher import Analysis, Candidate, Match, Matcher, about_names
from .text import MAX_INPUT_CHARS, clean, truncate, words

_ORDINALS = {"first": 1, "one": 1, "second": 2, "two": 2, "third": 3, "three": 3, "fourth": 4, "four": 4, "last": -1}
_SENTENCE_END = re.compile(r"[.?!;]+(?=\s|$)")
_LEAD = re.compile(r"\s*([^,.?!;]+)(,\s)")  # the words before a line's first comma
_CLAUSE = re.compile(",\\s|\\s(?:but|so)\\s|\\s[-\u2013\u2014]+\\s")
_NUDGE = "Ask me a question, or type /help to see what I can talk about."
SUGGEST_FLOOR = 8.0
FULL_SCORE = 100.0
LONG_WORDS = 4.0  # content words up to which a question needs the full min_coverage (see Chat._covered)
# close candidates: one whose matched words weigh this much more (see Candidate) is taken without asking
SPECIFIC_MARGIN = 0.05
FRAME_SHARE = 0.4  # share of the highest answering intent's score that an answer must reach (see Chat._best)
PICK_MAX_WORDS = 4
ASKING_MIN_WORDS = 2
LEAD_MAX_WORDS = 8  # small talk before a line's first comma is shorter ("thanks a lot for the quick answer, ...")
CLAUSE_MIN_WORDS = 3  # "what frameworks and tools ..." joins two nouns, not two questions
SPLIT_MIN_SCORE = 50.0  # half of what a typical example question scores for its intent
SPLIT_FRAME_MIN = 15.0  # points a part must get from words besides entity names to stand alone


@dataclass(frozen=True)
class Context:
    """What the conversation is about: the last intent, the values last named per entity type, what is pending."""

    intent: str | None = None
    topic: str = ""
    entities: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    names: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    options: tuple[str, ...] = ()
    asked: Match | None = None
    shown: tuple[str, ...] = ()
    interview: Progress | None = None
    questions: int = 0

    def describe(self) -> str:
        """A short line such as "topic: Salaries · city: London" ('' when empty)."""
        parts = [f"topic: {self.topic}"] if self.topic else []
        parts += [f"{etype}: {name}" for etype, name in self.names.items()]
        if self.interview is not None:
            parts.append(f"interview: question {self.interview.step + 1} of {self.questions}")
        return " · ".join(parts)


_EMPTY = Context()  # immutable, so every new or reset conversation can share it


class Chat:
    """A conversation with its own context; ask() never raises."""

    def __init__(self, kb: KnowledgeBase, matcher: Matcher) -> None:
        self.kb = kb
        self.matcher = matcher
        self.context = _EMPTY
        self.last: Reply | None = None
        self._joiner = _joiner(tuple(kb.settings.clause_words))

    def reset(self) -> None:
        """Forget everything the conversation was about."""
        self.context = _EMPTY
        self.last = None

    def ask(self, text: str) -> Reply:
        """Answer one turn of the conversation."""
        try:
            reply = self._ask(text)
        except Exception as exc:
            reply = Reply(f"Sorry, something went wrong while answering ({type(exc).__name__}).", "fallback")
        self.last = reply
        return reply

    def start_interview(self) -> Reply:
        """Start (or restart) the knowledge base's interview, as /quiz does."""
        try:
            iv = self.kb.interview
            if iv is None:
                reply = Reply("This knowledge base has no interview.", "fallback")
            else:
                reply = self._begin(iv, 100.0, compose.Explanation(iv.intent, 100.0, note="started by command"))
        except Exception as exc:
            reply = Reply(f"Sorry, something went wrong while answering ({type(exc).__name__}).", "fallback")
        self.last = reply
        return reply

    # ----- one turn --------------------------------------------------------------------------

    def _ask(self, text: str) -> Reply:
        if not isinstance(text, str):
            text = str(text)
        text, cut = truncate(text, MAX_INPUT_CHARS)
        text = clean(text).strip()
        notice = f"Your question was cut to {MAX_INPUT_CHARS:,} characters." if cut else None
        if not words(text):
            return Reply(_NUDGE, "fallback", notice=notice)
        reply = self._interview_turn(text) if self.context.interview is not None else None
        if reply is None:
            reply = self._pick_option(text)
        if reply is None:
            plan = self._plan(text)
            if plan:
                replies = [self._part(part, match) for part, match in plan]
                reply = replies[0] if len(replies) == 1 else compose.combine(replies)
            else:
                reply = self._part(text, None)
        if notice:
            reply = replace(reply, notice="\n".join(filter(None, (notice, reply.notice))))
        return reply

    def _part(self, text: str, match: Match | None) -> Reply:
        """Answer one question: a follow-up phrase, or what the matcher makes of it."""
        found = followups.find(self.kb.follow_ups, text, self._content)
        if found is not None:
            return self._follow_up(*found)
        return self._respond(match or self.matcher.rank(text, focus=_asking(text)))

    def _pick_option(self, text: str) -> Reply | None:
        """After a clarify or fallback reply: "1", "the second one", or words from one option's title."""
        options = self.context.options
        if not options:
            return None
        tokens = words(text)
        if len(tokens) > PICK_MAX_WORDS:
            return None
        index = _number(tokens, len(options))
        if index is None:
            typed = set(self.matcher.content_words(text))
            fits = [n for n, o in enumerate(options) if typed and typed <= set(self._content(self.kb.intent(o).title))]
            index = fits[0] if len(fits) == 1 else None
        if index is None:
            return None
        asked = self.context.asked or self.matcher.rank(text)
        return self._answer(self.kb.intent(options[index]), asked, note=f"picked option {index + 1}")

    # ----- ranking decisions -----------------------------------------------------------------

    def _covered(self, candidate: Candidate, match: Match) -> bool:
        """Enough of the question speaks for the candidate: the settings' `min_coverage`, less in
        proportion for a score above that of a typical example (100) when the knowledge base knows every
        word of the question: "many thanks" is thanks, "how much does a zookeeper earn" asks about
        something the knowledge base has never heard of, however well its frame scores. The points a
        place named as context brings do not count here, as its words do not in coverage: in "how much
        do doctors earn in Bangalore", Bangalore makes the salary table score high, not fit; and less
        for a question of more than LONG_WORDS words, by the square root of the ratio: the courtesies
        and asides of a long message ("I would appreciate a brief summary of ...") are not a topic
        of their own, while in "how much does a zookeeper earn" one word of two is. A decline intent
        needs none: declining does not pass anything off as an answer."""
        if self.kb.intent(candidate.intent).kind == "decline":
            return True
        score = candidate.score - candidate.place_points
        high = 1.0 if match.analysis.unknown else min(1.0, FULL_SCORE / max(score, 1.0))
        long = min(1.0, math.sqrt(LONG_WORDS / candidate.words)) if candidate.words else 1.0
        return candidate.coverage >= self.kb.settings.min_coverage * high * long

    def _best(self, match: Match) -> Candidate | None:
        """Of the covered candidates at or above the threshold, the one of highest weight: an intent that
        speaks for all of a question beats one that scores a little higher on a part of it ("dentist
        salary germany" is another career's pay, not the ML salary table). A question that is one name
        and nothing else ("pytorch?") asks about that thing: of the passing intents, one whose slots
        take it, when there is one. An answer scoring under FRAME_SHARE of the highest answering score
        does not pass: the question is framed as that intent's ("how much do doctors make" is no
        question about ML in healthcare, and when the salary table does not cover it, none this
        knowledge base answers)."""
        threshold = self.kb.settings.answer_threshold
        answering = [c.score for c in match.candidates if self.kb.intent(c.intent).kind != "decline"]
        floor = max(threshold, FRAME_SHARE * max(answering, default=0.0))
        passing = [
            c for c in match.candidates
            if c.score >= (threshold if self.kb.intent(c.intent).kind == "decline" else floor)
            and self._covered(c, match)
        ]
        best = max(passing, key=self._weight, default=None)
        if best is not None and _one_name(match.analysis):
            etype = match.analysis.mentions[0].entity
            taking = [c for c in passing if any(s.entity == etype for s in self.kb.intent(c.intent).slots)]
            best = max(taking, key=self._weight, default=best)
        return best

    def _weight(self, candidate: Candidate) -> float:
        """Score x coverage squared; a decline intent's score alone, since it needs no coverage ("senior
        DBA pay in Chicago" is another job's pay even though the salary intent covers more of it)."""
        if self.kb.intent(candidate.intent).kind == "decline":
            return candidate.score
        return candidate.score * candidate.coverage**2

    def _asks_anew(self, match: Match, best: Candidate | None) -> bool:
        """Another intent than the last, with a slot for what the question names, gets SPLIT_FRAME_MIN
        points from words besides the entity names: "what does a data engineer do" after a salary is a
        new question, not a continuation; "what about Bengaluru" is one, whatever "what about" scores
        for the tools."""
        if best is None or best.intent == self.context.intent:
            return False
        named = {m.entity for m in match.analysis.mentions}
        takes = any(s.entity in named for s in self.kb.intent(best.intent).slots)
        return takes and _frame(match, best) >= SPLIT_FRAME_MIN

    def _close(self, match: Match, best: Candidate) -> list[Candidate]:
        """The candidates within the clarify margin of the best one (the best first)."""
        margin = self.kb.settings.clarify_margin
        near = [
            c
            for c in match.candidates
            if abs(best.score - c.score) < margin
            and self._covered(c, match)
            and self.kb.intent(c.intent).kind != "decline"
        ]
        return sorted(near, key=lambda c: c is not best)

    def _respond(self, match: Match) -> Reply:
        best = self._best(match)
        mentions = match.analysis.mentions
        weak = best is None  # _best passes over everything under the threshold
        entity_only = match.analysis.entity_only
        if mentions and self.context.intent and (weak or (entity_only and not self._asks_anew(match, best))):
            last = self.kb.intent(self.context.intent)
            if any(s.entity == m.entity for s in last.slots for m in mentions):
                return self._answer(last, match, follow=True)
        if weak:
            return self._fallback(match)
        if self.kb.intent(best.intent).kind == "decline":
            return self._fallback(match, best.intent)
        close = self._close(match, best)
        if len(close) > 1:
            first, second = sorted(close, key=lambda c: -c.weighted_coverage)[:2]
            if first.weighted_coverage - second.weighted_coverage >= SPECIFIC_MARGIN:
                close, best = [first], first
        if len(close) > 1 and not mentions:
            fits = [c for c in close if {s.entity for s in self.kb.intent(c.intent).slots} & set(self.context.entities)]
            close = fits if len(fits) == 1 else close
            best = close[0]
        if len(close) > 1:
            reply = compose.clarify([self.kb.intent(c.intent) for c in close[:3]], best.score, compose.explain(match))
            self.context = replace(self.context, options=reply.options, asked=match)
            return reply
        intent = self.kb.intent(best.intent)
        iv = self.kb.interview
        if iv is not None and intent.id == iv.intent and all(m.entity != iv.outcome for m in mentions):
            return self._begin(iv, best.score, compose.explain(match, intent.id, "starts the interview"))
        return self._answer(intent, match)

    # ----- answers ---------------------------------------------------------------------------

    def _answer(self, intent: Intent, match: Match, follow: bool = False, note: str = "") -> Reply:
        named: dict[str, list[str]] = {}
        for m in match.analysis.mentions:
            named.setdefault(m.entity, [])
            if m.value not in named[m.entity]:
                named[m.entity].append(m.value)
        keep = follow or not named
        entities = dict(named)
        if keep:
            for etype in {s.entity for s in intent.slots} - set(named):
                if etype in self.context.entities:
                    entities[etype] = list(self.context.entities[etype])
        note = note or ("continued from the last question" if follow else "")
        score = next((c.score for c in match.candidates if c.intent == intent.id), 0.0)
        reply = compose.answer(intent, self.kb, entities, score, compose.explain(match, intent.id, note))
        if intent.kind == "answer":
            remembered = dict(self.context.entities) if keep else {}
            remembered.update({etype: tuple(values) for etype, values in named.items()})
            self._remember(intent, remembered, ("narrowed",) if reply.entities else ("answer",))
        else:
            self.context = replace(self.context, options=(), asked=None)
        return reply

    def _remember(self, intent: Intent, entities: Mapping[str, tuple[str, ...]], shown: tuple[str, ...]) -> None:
        names = {t: ", ".join(self.kb.entities[t].value(v).name for v in ids) for t, ids in entities.items()}
        self.context = Context(
            intent.id, intent.title, MappingProxyType(dict(entities)), MappingProxyType(names), shown=shown
        )

    def _follow_up(self, kind: str, phrase: str) -> Reply:
        """ "tell me more" / "why?": the last topic's `more` or `why` text, or say there is none."""
        follow_up = self.kb.follow_ups[kind]
        note = f"follow-up phrase {phrase!r}"
        if self.context.intent is None:
            self.context = replace(self.context, options=(), asked=None)
            text = follow_up.no_topic or "Ask me a question first."
            return Reply(text, "fallback", None, 0.0, (), compose.Explanation(None, 0.0, note=f"{note}, no topic yet"))
        last = self.kb.intent(self.context.intent)
        shown = self.context.shown
        if kind == "why":
            part, text = "why", last.why
        elif last.more and "more" not in shown:
            part, text = "more", last.more
        elif "narrowed" in shown and "answer" not in shown:
            part, text = "answer", last.answer
        else:
            part, text = "", ""
        if not text:
            text = (follow_up.missing or "That is all I have on it.").replace("{topic}", last.title)
        why = compose.Explanation(last.id, 100.0, note=f"{note}: the {part or 'missing'} text of {last.id}")
        self.context = replace(self.context, shown=(*shown, part), options=(), asked=None)
        return compose.said(last, text, 100.0, why)

    def _fallback(self, match: Match, decline: str | None = None) -> Reply:
        """No answer: the decline intent's own line when one won, else a plain one (a nudge to ask when the
        line held only stop words: "ok", "yes"); nearby topics after it."""
        suggestions = [self.kb.intent(c.intent) for c in match.candidates if c.score >= SUGGEST_FLOOR]
        suggestions = [s for s in suggestions if s.kind == "answer"]
        plain = "I don't have an answer to that in my knowledge base." if match.analysis.features else _NUDGE
        lead = self.kb.intent(decline).answer if decline else plain
        note = f"declined: {decline} is a topic the knowledge base does not answer" if decline else ""
        why = compose.explain(match, decline, note)
        reply = compose.fallback(suggestions, match.best.score if match.best else 0.0, why, lead)
        self.context = replace(self.context, options=reply.options, asked=match)
        return reply

    # ----- several questions in one line -----------------------------------------------------

    def _pieces(self, text: str) -> list[tuple[int, int, bool]] | None:
        """Spans of the text between sentence punctuation and clause words (only those with words),
        each flagged True when a clause word, not punctuation, separates it from the span before.
        None when fewer than two spans hold more than spaces: the line is one question, whatever its words."""
        cuts = [(*m.span(), False) for m in _SENTENCE_END.finditer(text)]
        lead = _LEAD.match(text)
        short = lead is not None and len(words(lead.group(1))) <= LEAD_MAX_WORDS
        if short and self._small_talk(self._best(self.matcher.rank(lead.group(1)))):
            cuts.append((*lead.span(2), True))  # "cool, and in Berlin?": the comma ends the small talk
        joins = list(self._joiner.finditer(text)) if self._joiner is not None else []
        if joins:
            names = self._name_spans(text)
            cuts += [(*m.span(), True) for m in joins if not self._joins_names(text, m, names)]
        spans, start, by_word = [], 0, False
        for a, b, word in sorted(cuts):
            if a >= start:
                spans.append((start, a, by_word))
                start, by_word = b, word
        spans.append((start, len(text), by_word))
        if sum(1 for a, b, _ in spans if text[a:b].strip()) < 2:
            return None
        out: list[tuple[int, int, bool]] = []
        only_words = True  # every cut since the last span with words was a clause word
        for a, b, word in spans:
            only_words = only_words and word
            if words(text[a:b]):
                out.append((a, b, only_words))
                only_words = True
        return out

    def _name_spans(self, text: str) -> list[tuple[int, int, str]]:
        """Where the text names an entity, with the entity's type."""
        spans = []
        for mention in self.matcher.analyse(text).mentions:
            pattern = r"(?<!\w)" + r"\W+".join(map(re.escape, mention.typed.split())) + r"(?!\w)"
            spans += [(*m.span(), mention.entity) for m in re.finditer(pattern, text, re.I)]
        return spans

    @staticmethod
    def _joins_names(text: str, join: re.Match[str], names: list[tuple[int, int, str]]) -> bool:
        """Whether a clause word joins no two questions: it is inside a name ("weights and biases"), or
        between two names of one type ("compare London and New York", "Docker and Kubernetes")."""
        start, end = join.span()
        if any(s <= start and end <= e for s, e, _ in names):
            return True
        before = {t for _, e, t in names if e <= start and not text[e:start].strip()}
        return any(t in before for s, _, t in names if s >= end and not text[end:s].strip())

    def _rank_part(self, text: str, carried: frozenset[str]) -> Match:
        """Rank one part of a line; a part naming no entity counts the entity types named before it."""
        analysis = self.matcher.analyse(text)
        if carried and not analysis.mentions:
            extra = tuple(sorted(f"@{etype}" for etype in carried))
            analysis = replace(
                analysis, features=analysis.features + extra, weights=analysis.weights + (1.0,) * len(extra)
            )
        return self.matcher.rank_analysis(analysis)

    def _plan(self, text: str) -> list[tuple[str, Match]] | None:
        """The questions in one line with their matches, or None when it is one question."""
        spans = self._pieces(text)
        if spans is None or len(spans) < 2 or (all(by_word for _, _, by_word in spans[1:]) and self._whole(text)):
            return None
        parts: list[tuple[str, Match]] = []
        ends: list[int] = []
        carried: frozenset[str] = frozenset()
        start, end, _ = spans[0]
        current: Match | None = None  # text[start:end] ranked with `carried`, while they stay as they are
        for a, b, by_word in spans[1:]:
            if by_word and min(len(words(text[start:end])), len(words(text[a:b]))) < CLAUSE_MIN_WORDS:
                if current is None:
                    current = self._rank_part(text[start:end], carried)
                # small talk may be shorter ("thanks and what about skills?"); the question after it only
                # when it goes on from the last answer ("thanks, and in Berlin?", "ok cool, why?")
                short = len(words(text[a:b])) < CLAUSE_MIN_WORDS and not self._goes_on(text[a:b])
                if short or not self._small_talk(self._best(current)):
                    end, current = b, None
                    continue
            if current is None:
                current = self._rank_part(text[start:end], carried)
            if not self._stands_alone(text[start:end], current, declined=True) or self._told(text, end, current):
                end, current = b, None  # not a question of its own: no need to rank the part that follows
                continue
            named = carried | {m.entity for m in current.analysis.mentions}
            following = self._rank_part(text[a:b], named)
            # after small talk the next part is a question, unless it is more of the same ("thanks! that helps");
            # after a comma or a clause word, only a clear one: "hey there, how's it going?" is one greeting
            after_small_talk = (
                self._small_talk(self._best(current))
                and self._intent_of(text[a:b], following) != self._intent_of(text[start:end], current)
                and (
                    not by_word
                    or self._stands_alone(text[a:b], following, declined=True)  # a follow-up phrase stands alone
                    or following.analysis.entity_only
                )
            )
            if after_small_talk or self._separate((text[start:end], current), (text[a:b], following)):
                parts.append((text[start:end], current))
                ends.append(end)
                carried, (start, end), current = named, (a, b), following
            else:
                end, current = b, None
        if not parts:
            return None
        if current is None:
            current = self._rank_part(text[start:end], carried)
        parts.append((text[start:end], current))
        ends.append(end)
        # the parts before the last stood alone when they were cut off; the last must too, unless small
        # talk comes before it
        if not (self._stands_alone(*parts[-1], declined=True) or self._small_talk(self._best(parts[-2][1]))):
            return None
        iv = self.kb.interview
        if iv is not None and any(self._intent_of(*part) == iv.intent for part in parts):
            return None
        asks = [bool((stop := _SENTENCE_END.match(text, end)) and "?" in stop.group()) for end in ends]
        return [part for i, part in enumerate(parts) if not (i and self._remark(parts[i - 1], part, asks[i]))]

    def _whole(self, text: str) -> bool:
        """Whether one intent answers a whole line as closely as a typical example question and speaks for
        every word of it: then its clause words join words, not questions ("which languages and tools
        does a data engineer use")."""
        match = self.matcher.rank(text)
        best = self._best(match)
        return (
            best is not None and best.score >= FULL_SCORE and best.coverage == best.weighted_coverage == 1.0
            and self._stands_alone(text, match)
        )

    def _remark(self, before: tuple[str, Match], part: tuple[str, Match], asks: bool) -> bool:
        """A part after small talk that asks nothing: no question mark, no clear answer, not a name or a
        follow-up that goes on from the last answer ("gotta go now, bye! will come back later with more
        questions"). It is left unanswered rather than answered weakly."""
        text, match = part
        return (
            self._small_talk(self._best(before[1]))
            and not asks
            and not match.analysis.entity_only
            and not self._stands_alone(text, match, declined=True)
        )

    def _told(self, text: str, end: int, match: Match) -> bool:
        """Whether the part that ends at `end` is in a sentence that tells rather than asks: one that ends
        without a question mark, is not the last, is not followed by a clause word ("I'm a tester and
        want the maths that matters. Which areas ...?", but "... in London. Also what ...") and on its
        own scores under a typical example question ("What does a data engineer do. What tools ..."
        asks twice). What it tells is the setting of the question that follows, not a question of its
        own; small talk ("Hi! What does ...") is answered on its own."""
        stop = _SENTENCE_END.search(text, end)
        rest = text[stop.end() :].lstrip() if stop else ""
        if stop is None or "?" in stop.group() or not words(rest):
            return False
        if self._joiner is not None and self._joiner.match(rest):
            return False
        best = self._best(match)
        # as close as a typical example question, it asks, question mark or not
        return best is None or (best.score < FULL_SCORE and not self._small_talk(best))

    def _goes_on(self, text: str) -> bool:
        """Whether a part is a follow-up phrase or only names entities ("in Berlin?")."""
        found = followups.find(self.kb.follow_ups, text, self._content)
        return found is not None or self.matcher.analyse(text).entity_only

    def _small_talk(self, best: Candidate | None) -> bool:
        """Whether a part whose best candidate is `best` is small talk ("thanks!"): what follows it is a
        question of its own, even one that goes on from the last answer ("thanks! and in Berlin?")."""
        return best is not None and self.kb.intent(best.intent).kind == "smalltalk"

    def _separate(self, first: tuple[str, Match], second: tuple[str, Match]) -> bool:
        """Whether two neighbouring parts are two questions: each answered clearly by its own intent, and
        the second is not a continuation of the first ("... and in Berlin").
        A part clearly declined is a question of its own beside one as close as a typical example question
        ("what does an MLOps engineer do and how much do plumbers earn"), not beside a weaker one: "give me
        the code" after "how do I make a taxi app like Uber?" is no question about programming skills."""
        if not (self._stands_alone(*first, declined=True) and self._stands_alone(*second, declined=True)):
            return False
        kinds = [(self.kb.intent(b.intent).kind, b.score) for b in map(self._best, (first[1], second[1])) if b]
        if any(kind == "decline" for kind, _ in kinds) and any(s < FULL_SCORE for k, s in kinds if k != "decline"):
            return False
        intent = self._intent_of(*first)
        analysis = second[1].analysis
        takes = {s.entity for s in self.kb.intent(intent).slots} if intent in self.kb.by_id else set()
        if analysis.entity_only and {m.entity for m in analysis.mentions} & takes:
            return False
        return intent != self._intent_of(*second)

    def _intent_of(self, text: str, match: Match) -> str:
        """The intent a part would be answered by ("follow-up:more" for a follow-up phrase)."""
        found = followups.find(self.kb.follow_ups, text, self._content)
        if found is not None:
            return f"follow-up:{found[0]}"
        best = self._best(match)
        return best.intent if best else ""

    def _stands_alone(self, text: str, match: Match, declined: bool = False) -> bool:
        """A clear answer (at least half as close as a typical example question, a clarify margin above
        the answer threshold, no close runner-up), with SPLIT_FRAME_MIN points from words besides the
        entity names ("what does a data engineer do", not "Berlin" or "I'm from Brazil"): a side remark
        ("I have a full time job and ...") stays in. With `declined`, a clear win of a decline intent too."""
        if followups.find(self.kb.follow_ups, text, self._content) is not None:
            return True
        best = self._best(match)
        settings = self.kb.settings
        if best is None or best.score < max(SPLIT_MIN_SCORE, settings.answer_threshold + settings.clarify_margin):
            return False
        if self.kb.intent(best.intent).kind == "decline" and not declined:
            return False
        return _frame(match, best) >= SPLIT_FRAME_MIN and all(c is best for c in self._close(match, best))

    # ----- the interview ---------------------------------------------------------------------

    def _begin(self, iv: Interview, score: float, why: compose.Explanation | None) -> Reply:
        self.context = replace(
            self.context, interview=Progress(), questions=len(iv.questions), options=(), asked=None
        )
        return compose.said(self.kb.intent(iv.intent), interview.start_text(iv), score, why, (iv.source,))

    def _interview_turn(self, text: str) -> Reply | None:
        """One answer to the interview; None when the line leaves it for another question."""
        iv, progress = self.kb.interview, self.context.interview
        if iv is None or progress is None or interview.finished(iv, progress):
            self.context = replace(self.context, interview=None)
            return None
        intent = self.kb.intent(iv.intent)
        tokens = words(text)
        index = _number(tokens, len(iv.questions[progress.step].options)) if len(tokens) <= PICK_MAX_WORDS else None
        if index is None and interview.wants_out(iv, text):
            self.context = replace(self.context, interview=None)
            why = compose.Explanation(iv.intent, 100.0, note="left the interview")
            return Reply(iv.left or "We have left the interview.", "smalltalk", iv.intent, 100.0, (), why)
        if index is None:
            index, share = self._free_answer(iv, progress.step, text)
            match = self.matcher.rank(text)
            follow_up = followups.find(self.kb.follow_ups, text, self._content) is not None
            question = not follow_up and self._stands_alone(text, match) and self._best(match).intent != iv.intent
            if question and share < 0.5:
                self.context = replace(self.context, interview=None)
                reply = self._respond(match)
                return replace(reply, notice=iv.left or None)
        step = progress.step
        note = f"interview question {step + 1}"
        if index is None:
            why = compose.Explanation(iv.intent, 0.0, note=f"{note}: the answer picks no option")
            return compose.said(intent, interview.retry_text(iv, step), 0.0, why, (iv.source,))
        progress = interview.advance(progress, index)
        why = compose.Explanation(iv.intent, 100.0, note=f"{note}: option {index + 1}")
        if not interview.finished(iv, progress):
            self.context = replace(self.context, interview=progress)
            return compose.said(intent, interview.question_text(iv, progress.step), 100.0, why, (iv.source,))
        text, winners = interview.result(iv, self.kb.entities[iv.outcome], progress.picks)
        self._remember(intent, {iv.outcome: winners} if winners else {}, ("answer",))
        return compose.said(intent, text or intent.answer, 100.0, why, (iv.source,))

    def _free_answer(self, iv: Interview, step: int, text: str) -> tuple[int | None, float]:
        """The option whose words the answer shares most (None on a tie or none), and the share of the
        answer's words it covers."""
        typed = set(self.matcher.content_words(text))
        if not typed:
            return None, 0.0
        overlaps = [len(typed & set(self._content(o))) for o in interview.option_texts(iv, step)]
        top = max(overlaps)
        if top == 0 or overlaps.count(top) > 1:
            return None, 0.0
        return overlaps.index(top), top / len(typed)

    def _content(self, text: str) -> list[str]:
        return self.matcher.content_words(text)


@lru_cache(maxsize=16)
def _joiner(clause_words: tuple[str, ...]) -> re.Pattern[str] | None:
    """The pattern of the settings' clause words (a whole word or phrase each, longest first); made once
    per knowledge base, not per chat, since a chat is opened for every `advisor eval` question."""
    joiners = sorted(clause_words, key=len, reverse=True)
    phrases = [r"\s+".join(map(re.escape, words(j))) for j in joiners if words(j)]
    return re.compile(r"(?<!\w)(?:" + "|".join(phrases) + r")(?!\w)", re.I) if phrases else None


def _one_name(analysis: Analysis) -> bool:
    """The question names one entity value and says nothing else ("pytorch?")."""
    return len(analysis.mentions) == 1 and all(f[0] == "@" or analysis.named.keys() >= set(f.split())
                                               for f in analysis.features)


def _frame(match: Match, candidate: Candidate) -> float:
    """The points a candidate gets from words besides the entity names: what the question asks about
    them ("what does ... do" in "what does a data engineer do")."""
    named = match.analysis.named
    return sum(p for f, p in candidate.evidence if not about_names(f, named))


def _asking(text: str) -> tuple[str, ...]:
    """The parts of a text that ask, for the matcher's coverage: its sentences ending in "?" and its last
    sentence, however short ("onnx?? saw it in a job ad"), and the clauses of these (split at a comma,
    "but", "so" or a dash) of ASKING_MIN_WORDS words or more: "I'm 34, an accountant. Which topics can
    I skip for now?", but not "DS" in "DS, DE, MLE - do they overlap?". Empty when the text is one
    such part."""
    sentences, start = [], 0
    for end in _SENTENCE_END.finditer(text):
        sentences.append(text[start : end.end()])
        start = end.end()
    sentences = [s for s in (*sentences, text[start:]) if words(s)]
    asking = [s for s in sentences[:-1] if s.rstrip().endswith("?")] + sentences[-1:]
    asking += [c for s in asking for c in _CLAUSE.split(s) if c != s and len(words(c)) >= ASKING_MIN_WORDS]
    whole = text.strip()
    return tuple(p for p in asking if p.strip() != whole)


def _number(tokens: Sequence[str], count: int) -> int | None:
    """The 0-based option a short answer names by number or ordinal ("2", "the second one", "last")."""
    for token in tokens:
        index = int(token) if token.isdecimal() and len(token) < 3 else _ORDINALS.get(token)
        if index == -1:
            return count - 1
        if index is not None and 1 <= index <= count:
            return index - 1
    return None
