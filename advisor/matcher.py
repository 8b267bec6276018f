"""Ranking intents for a question: weighted keywords, fuzzy-matched word by word.

At load time every intent gets a weight per feature (a word, a pair of adjacent words, or an
entity type such as ``@city``), derived from how specific the feature is to the intent's example
questions and raised by its hand-written keywords. At question time the score of an intent is the
sum of the weights of the question's features, so every point of a score can be shown.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .knowledge import KnowledgeBase
from .text import Phrases, stem, words

TYPO_MIN_LEN = 4
LONG_WORD = 7
QUERY_IDF_POWER = 0.5
CORRECTION_PENALTY = 0.8
REFINE_EPOCHS = 4
UNKNOWN_PAIR_SHARE = 0.1
REFINE_RATE = 0.05
REFINE_MARGIN = 0.1


@dataclass(frozen=True)
class Mention:
    """An entity value named in the question, e.g. ("city", "london") for "londn"."""

    entity: str
    value: str
    typed: str


@dataclass(frozen=True)
class Analysis:
    """What the matcher made of a question: its features, typo corrections and entities."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    corrections: tuple[tuple[str, str], ...]
    mentions: tuple[Mention, ...]
    unknown: tuple[str, ...]
    entity_only: bool = False
    named: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Candidate:
    """One intent's score for a question (100 = as close as a typical example; may exceed 100),
    with the points each feature brought."""

    intent: str
    score: float
    evidence: tuple[tuple[str, float], ...]
    coverage: float = 1.0


@dataclass(frozen=True)
class Match:
    """The ranked candidates for one question (best first) and the analysis behind them."""

    analysis: Analysis
    candidates: tuple[Candidate, ...]

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


class Matcher:
    """Compiled from a KnowledgeBase once; ranks any number of questions afterwards."""

    def __init__(self, kb: KnowledgeBase, *, seed: int = 0) -> None:
        self.kb = kb
        self._stop = frozenset(stem(w) for w in kb.settings.stop_words)
        self._synonyms = Phrases({tuple(stem(w) for w in words(a)): stem(c) for a, c in kb.synonyms.items()})
        self._aliases: dict[tuple[str, ...], list[tuple[str, str]]] = defaultdict(list)
        for etype in kb.entities.values():
            for value in etype.values:
                for alias in value.aliases:
                    key = tuple(stem(w) for w in words(alias))
                    if key and (etype.id, value.id) not in self._aliases[key]:
                        self._aliases[key].append((etype.id, value.id))
        self._alias_len = max((len(k) for k in self._aliases), default=0)
        self._build_vocabulary()
        self._corrections: dict[str, str | None] = {}
        self._compile(seed)

    # ----- analysis -------------------------------------------------------------------------

    def _build_vocabulary(self) -> None:
        counts: Counter[str] = Counter()
        kb = self.kb
        for intent in kb.intents:
            for text in (*intent.examples, *(w for group, _ in intent.keywords for w in group)):
                counts.update(words(text))
            counts.update(set(words(" ".join((intent.title, intent.answer)))))
        for etype in kb.entities.values():
            for value in etype.values:
                for alias in value.aliases:
                    counts.update(words(alias))
        for alias, canon in kb.synonyms.items():
            counts.update(words(alias))
            counts.update(words(canon))
        counts.update(kb.settings.stop_words)
        self._vocab = counts
        self._stems = {stem(w) for w in counts}
        self._vocab_list = [w for w in counts if len(w) >= TYPO_MIN_LEN - 1 and w.isalpha()]

    def correct(self, word: str) -> str | None:
        """The knowledge base's word that a typed word most likely meant, or None if none is close."""
        if word in self._vocab or len(word) < TYPO_MIN_LEN or not word.isalpha() or stem(word) in self._stems:
            return None
        if word in self._corrections:
            return self._corrections[word]
        max_edits = 1 if len(word) <= LONG_WORD else 2
        found = process.extract(word, self._vocab_list, scorer=OSA.distance, score_cutoff=max_edits, limit=8)
        found = [f for f in found if f[0][0] == word[0]]
        best = min(found, key=lambda f: (f[1], -self._vocab[f[0]], f[0]))[0] if found else None
        if len(self._corrections) > 50_000:
            self._corrections.clear()
        self._corrections[word] = best
        return best

    def analyse(self, text: str) -> Analysis:
        """Turn a question into weighted features, noting corrections and named entities."""
        typed = words(text)
        corrected, corrections = [], []
        for word in typed:
            fix = self.correct(word)
            if fix is not None:
                corrections.append((word, fix))
            corrected.append(fix or word)
        quality = [CORRECTION_PENALTY if c != t else 1.0 for c, t in zip(corrected, typed)]
        stems = [stem(w) for w in corrected]
        mentions, rest, named = self._mentions(stems, typed)
        analysis = self._features(self._synonyms.apply(stems), quality, tuple(corrections), mentions)
        if named:
            # a named entity's own words are understood through its @type feature, not unknown words
            kept = [(f, w) for f, w in zip(analysis.features, analysis.weights) if f in self._idf or f not in named]
            analysis = replace(analysis, features=tuple(f for f, _ in kept), weights=tuple(w for _, w in kept))
        return replace(analysis, entity_only=bool(mentions) and not rest, named=named)

    def content_words(self, text: str) -> list[str]:
        """The stems of a text that carry meaning: typos repaired, stop words left out."""
        stems = (stem(self.correct(w) or w) for w in words(text))
        return [s for s in self._synonyms.apply(stems) if s not in self._stop]

    def _mentions(self, stems: list[str], typed: list[str]) -> tuple[tuple[Mention, ...], list[str], dict[str, str]]:
        """Entity values named in the text (longest alias first), the content words outside them,
        and the entity type of each word inside them."""
        found: list[Mention] = []
        rest: list[str] = []
        named: dict[str, str] = {}
        i = 0
        while i < len(stems):
            for size in range(min(self._alias_len, len(stems) - i), 0, -1):
                hits = self._aliases.get(tuple(stems[i : i + size]))
                if hits:
                    span = " ".join(typed[i : i + size])
                    named.update(dict.fromkeys(stems[i : i + size], hits[0][0]))
                    found.extend(
                        Mention(e, v, span) for e, v in hits if not any(m.value == v and m.entity == e for m in found)
                    )
                    i += size
                    break
            else:
                if stems[i] not in self._stop:
                    rest.append(stems[i])
                i += 1
        return tuple(found), rest, named

    def _features(
        self,
        stems: Sequence[str],
        quality: Sequence[float],
        corrections: tuple[tuple[str, str], ...],
        mentions: tuple[Mention, ...],
    ) -> Analysis:
        weights: dict[str, float] = {}
        if len(quality) != len(stems):
            quality = [1.0] * len(stems)
        for s, q in zip(stems, quality):
            if s not in self._stop:
                weights[s] = max(weights.get(s, 0.0), q)
        for (a, qa), (b, qb) in zip(zip(stems, quality), zip(stems[1:], quality[1:])):
            weights[f"{a} {b}"] = min(qa, qb)
        for m in mentions:
            weights[f"@{m.entity}"] = 1.0
        unknown = tuple(s for s in stems if s not in self._stop and s not in self._idf)
        return Analysis(tuple(weights), tuple(weights.values()), corrections, mentions, unknown)

    def _example_analysis(self, text: str) -> Analysis:
        stems = [stem(w) for w in words(text)]
        mentions, _, _ = self._mentions(stems, stems)
        return self._features(self._synonyms.apply(stems), (), (), mentions)

    # ----- compiling weights ----------------------------------------------------------------

    def _compile(self, seed: int) -> None:
        intents = [i for i in self.kb.intents]
        self._idf = {}
        samples: list[tuple[tuple[str, ...], int]] = []
        for index, intent in enumerate(intents):
            for example in intent.examples:
                samples.append((self._example_analysis(example).features, index))
        df: Counter[str] = Counter(f for feats, _ in samples for f in set(feats))
        keyword_feats: list[dict[str, float]] = []
        for intent in intents:
            kw: dict[str, float] = {}
            for group, weight in intent.keywords:
                for phrase in group:
                    for feature in self._example_analysis(phrase).features:
                        kw[feature] = max(kw.get(feature, 0.0), weight)
            keyword_feats.append(kw)
        n = len(samples) + 1
        vocab = set(df) | {f for kw in keyword_feats for f in kw}
        self._idf = {f: math.log((n + 1) / (df.get(f, 0) + 0.5)) for f in vocab}
        self._unknown_idf = math.log((n + 1) / 0.5)
        per_intent: list[Counter[str]] = [Counter() for _ in intents]
        sizes = Counter(index for _, index in samples)
        for feats, index in samples:
            per_intent[index].update(set(feats))
        table: dict[str, dict[int, float]] = defaultdict(dict)
        for index, counts in enumerate(per_intent):
            size = sizes[index] or 1
            vector = {f: math.sqrt(c / size) * self._idf[f] for f, c in counts.items()}
            for f, w in keyword_feats[index].items():
                vector[f] = vector.get(f, 0.0) + w * self._idf[f]
            norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
            for f, v in vector.items():
                table[f][index] = v / norm
        self._table = table
        self._intent_ids = [i.id for i in intents]
        self._refine(samples, seed)
        self._calibrate(samples)

    def _refine(self, samples: list[tuple[tuple[str, ...], int]], seed: int) -> None:
        """Mistake-driven passes over the examples: raise an intent's weights where a rival outscores it."""
        rng = random.Random(seed)
        order = list(samples)
        for _ in range(REFINE_EPOCHS):
            rng.shuffle(order)
            mistakes = 0
            for feats, gold in order:
                vec = self._query_vector(feats, [1.0] * len(feats))
                scores = self._accumulate(vec)
                own = scores.pop(gold, 0.0)
                if not scores:
                    continue
                rival, rival_score = max(scores.items(), key=lambda kv: kv[1])
                if rival_score + REFINE_MARGIN > own:
                    mistakes += 1
                    for f, w in vec:
                        row = self._table[f]
                        row[gold] = row.get(gold, 0.0) + REFINE_RATE * w
                        row[rival] = row.get(rival, 0.0) - REFINE_RATE * w
            if not mistakes:
                break

    def _calibrate(self, samples: list[tuple[tuple[str, ...], int]]) -> None:
        """One scale for the whole knowledge base: a typical example question of an intent scores
        about 100 for it, whatever the size of the knowledge base (ranking is unaffected)."""
        own = sorted(
            self._accumulate(self._query_vector(feats, [1.0] * len(feats))).get(index, 0.0) for feats, index in samples
        )
        reference = own[len(own) // 2] if own else 1.0
        self._scale = 100.0 / reference if reference > 0.01 else 100.0

    # ----- ranking --------------------------------------------------------------------------

    def _query_vector(self, features: Sequence[str], quality: Sequence[float]) -> list[tuple[str, float]]:
        known = [(f, self._idf[f] ** QUERY_IDF_POWER * q) for f, q in zip(features, quality) if f in self._idf]
        unknown = sum(UNKNOWN_PAIR_SHARE if " " in f else 1.0 for f in features if f not in self._idf)
        norm = math.sqrt(sum(w * w for _, w in known) + unknown * self._unknown_idf ** (2 * QUERY_IDF_POWER))
        return [(f, w / norm) for f, w in known] if norm else []

    def _accumulate(self, vector: Iterable[tuple[str, float]]) -> dict[int, float]:
        scores: dict[int, float] = defaultdict(float)
        for f, w in vector:
            for index, weight in self._table.get(f, {}).items():
                scores[index] += w * weight
        return scores

    def rank(self, text: str, limit: int = 5) -> Match:
        """Rank the intents for a question; scores run from 0 to 100."""
        analysis = self.analyse(text)
        return self.rank_analysis(analysis, limit)

    def rank_analysis(self, analysis: Analysis, limit: int = 5) -> Match:
        """Rank the intents for an already analysed question."""
        vector = self._query_vector(analysis.features, analysis.weights)
        scores = self._accumulate(vector)
        top = sorted(((s, i) for i, s in scores.items() if s > 0), reverse=True)[:limit]
        candidates = []
        for score, index in top:
            evidence = [(f, self._scale * w * self._table[f].get(index, 0.0)) for f, w in vector]
            evidence = sorted(((f, round(p, 1)) for f, p in evidence if abs(p) >= 0.05), key=lambda e: -abs(e[1]))
            coverage = self._coverage(analysis, evidence)
            candidate = Candidate(self._intent_ids[index], round(self._scale * score, 1), tuple(evidence), coverage)
            candidates.append(candidate)
        return Match(analysis, tuple(candidates))

    def _coverage(self, analysis: Analysis, evidence: Sequence[tuple[str, float]]) -> float:
        """The share of the question's content words that speak for an intent: a question that
        shares one word with an intent and says three others is not about it."""
        content = [f for f in analysis.features if " " not in f and not f.startswith("@")]
        if not content:
            return 1.0
        support = {f for f, points in evidence if points > 0}
        covered = sum(1 for f in content if f in support or f"@{analysis.named.get(f)}" in support)
        return covered / len(content)
