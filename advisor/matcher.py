"""Ranking intents for a question: weighted keywords, fuzzy-matched word by word.

At load time every intent gets a weight per feature (a word, a pair of adjacent words, an entity
type such as ``@city`` or an entity value such as ``@city=london``, a word beside a name paired with
the name's type such as ``<role> do``), derived from how specific the feature is to the intent's
example questions and raised by its hand-written keywords. At question time the score of an intent
is the sum of the weights of the question's features, so every point of a score can be shown.
"""

from __future__ import annotations

import heapq
import math
import zlib
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import accumulate, islice, pairwise
from typing import Any, TypeVar

from .knowledge import KnowledgeBase
from .lexicon import Lexicon
from .text import Phrases, drawn_out, longest_from, stem, words

TYPO_MIN_LEN = 4
SWAP_MIN_LEN = 3  # a shorter word is never repaired; one of this length only into a stop word ("teh", "cna")
SPLIT_MIN_PART = 2  # letters of the shorter of two words typed together ("ml" in "mlengineer")
LONG_WORD = 7
SHORT_WORD = 4
QUERY_IDF_POWER = 0.5
CORRECTION_PENALTY = 0.8
REFINE_EPOCHS = 6
COMMON_MIN_INTENTS = 4
KNOWN_SHARE = 0.5
TOPICAL_WEIGHT = 0.375  # counted beyond KNOWN_SHARE for a word only one intent's examples write (_topical_words)
FOREIGN_WEIGHT = 2.0
TYPE_SHARE = 0.1
UNKNOWN_PAIR_SHARE = 0.1
REFINE_RATE = 0.05
REFINE_MARGIN = 0.1
DECLINE_RATIO = 5  # times as frequent in decline examples as in answering ones for a word to teach them (_refine)
FOREIGN_RATIO = 20  # ... for a word to be a sign of their topics (_foreign_words) and for a pair to teach them
PRUNE_SLACK = 1e-9
PRUNE_ROW = 256
PHRASE_MIN_EXAMPLES = 5  # examples that must write a pair of words for it to repair a real word beside it
RECENT_ANALYSES = 64  # texts whose analysis is kept (see analyse)
REMEMBERED_MAX = 50_000  # words or texts a cache holds before it starts afresh
REAL_WORD_RATIO = 20  # a word of the language is repaired only into one it writes this many times as often ("dose")
DOUBLED_LAST_MIN = 4  # "css", "rnn" and "inn" are words of their own
RARE_EXAMPLE_WORD = 3  # examples that must write a word of the language for it to be known as typed
DRAWN_OUT_MIN = 5  # places the knowledge base must know a word from for a drawn-out form to read as it
MANY = "+"  # marks an entity type named with two values or more ("@tool+"; see _features)
CONTEXT_CUT = "@(context)"  # the evidence entry that takes back context points (see _context_capped)
CONTEXT_FRAME_MIN = 15.0  # points some intent must get from a question's other words before any are taken back


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
    """One intent's score for a question (100 = as close as a typical example; may exceed 100), the
    points each feature brought (and any context points taken back, CONTEXT_CUT), and the share of the
    question's content words that speak for it: counted, and weighted by how specific each word is (a
    rare word weighs more than a common one); `words`: how many words the count was over (see
    _coverage: a word known from other intents counts half, or more if it is of one topic). In a text
    of several parts the count is the best of the whole text's and each asking part's, the weighted
    share always the whole text's: of two close intents for "I know Excel and a bit of Access. What
    about SQL, will I need it?", the one that speaks for more of the story too is the more specific
    (see rank_analysis). `place_points`: the points from the words of a place named as context (see
    _around), which coverage leaves out.
    """

    intent: str
    score: float
    evidence: tuple[tuple[str, float], ...]
    coverage: float = 1.0
    weighted_coverage: float = 1.0
    words: float = 1.0
    place_points: float = 0.0


@dataclass(frozen=True)
class Match:
    """The ranked candidates for one question (best first) and the analysis behind them."""

    analysis: Analysis
    candidates: tuple[Candidate, ...]

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


class _Rows:
    """The compiled weights and idf as a cache gives them back. The features come sorted and a feature is
    found by bisection when a question first uses it, its row (intent index -> weight) then made into a
    dict: a start builds no dict of tens of thousands of features (two took a seventh of a cached start).
    Read like the dict of rows that compiling makes (get, iteration, values); `idf` like its idf dict."""

    def __init__(
        self, features: list[str], sizes: Sequence[int], indices: Sequence[int], weights: Sequence[float],
        idf: Sequence[float],
    ) -> None:
        self._features = features
        self._starts = list(accumulate(sizes, initial=0))
        self._indices, self._weights = indices, weights
        self._made: dict[str, dict[int, float]] = {}
        self._found: dict[str, int] = {}
        self.idf = _Idf(self, idf)

    def position(self, feature: str) -> int:
        """The feature's place in the sorted features, -1 if it has none."""
        n = self._found.get(feature)
        return _remembered(self._found, feature, self._search) if n is None else n

    def _search(self, feature: str) -> int:
        n = bisect_left(self._features, feature)
        return n if n < len(self._features) and self._features[n] == feature else -1

    def get(self, feature: str, default: Any = None) -> Any:
        row = self._made.get(feature)
        if row is None:
            n = self.position(feature)
            if n < 0:
                return default
            start, end = self._starts[n], self._starts[n + 1]
            row = self._made[feature] = dict(zip(self._indices[start:end], self._weights[start:end]))
        return row

    def __iter__(self) -> Iterator[str]:
        return iter(self._features)

    def values(self) -> Iterator[dict[int, float]]:
        return (self.get(f) for f in self._features)

    def __len__(self) -> int:
        return len(self._features)


class _Idf(Mapping[str, float]):
    """A feature's idf from a cache's table (see _Rows)."""

    def __init__(self, rows: _Rows, values: Sequence[float]) -> None:
        self._rows, self._values = rows, values
        self._found = rows._found  # read here first: a question asks about the same features many times

    def __getitem__(self, feature: str) -> float:
        value = self.get(feature)
        if value is None:
            raise KeyError(feature)
        return value

    def get(self, feature: str, default: Any = None) -> Any:
        n = self._found.get(feature)
        if n is None:
            n = self._rows.position(feature)
        return self._values[n] if n >= 0 else default

    def __contains__(self, feature: object) -> bool:
        return isinstance(feature, str) and self.get(feature) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


def _slip(typed: str, meant: str) -> bool:
    """Whether a short word differs from another by two letters swapped, or by a letter typed once where
    it is doubled or doubled where it is single ("helo", "heyy")."""
    if abs(len(meant) - len(typed)) == 1:
        long, short = (meant, typed) if len(meant) > len(typed) else (typed, meant)
        return any(long[i] == long[i - 1] and long[:i] + long[i + 1 :] == short for i in range(1, len(long)))
    return sorted(meant) == sorted(typed)


def _left_out(typed: str, meant: str) -> bool:
    """Whether a word is another with one of its letters left out ("thak", "usig"), not the last: "dept"
    is short for "department", not a slip for "depth"."""
    return len(meant) == len(typed) + 1 and any(meant[:i] + meant[i + 1 :] == typed for i in range(len(typed)))


_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_KEYS = {c: (row, column) for row, keys in enumerate(_ROWS) for column, c in enumerate(keys)}
_VOWELS = frozenset("aeiouy")
_FIRST_VOWELS = frozenset("aeiou")  # one typed for another may begin a word spelled by ear ("inglish")
_SOUNDS = frozenset(map(frozenset, ("cs", "ck", "kq", "sz", "gj", "vw", "dt", "bp", "mn", "fv", "xs", "uw")))


def _neighbours(a: str, b: str) -> bool:
    """Keys next to each other on a QWERTY keyboard, whose rows are each set off half a key to the right."""
    if a not in _KEYS or b not in _KEYS:
        return False
    (ra, ca), (rb, cb) = sorted((_KEYS[a], _KEYS[b]))
    return (rb == ra and cb - ca == 1) or (rb == ra + 1 and ca - cb in (0, 1))


def _mistyped(typed: str, meant: str, edits: int) -> bool:
    """Whether a keyboard or a speller could turn `meant` into `typed` in at most `edits` slips: a letter
    left out or typed twice, two letters swapped, or one letter typed for another that is a neighbouring
    key, also a vowel or alike in sound ("salery", "enginer", "tensorflwo"); any other letter typed for
    another counts as two slips, and at most one letter may be too many. So real words are left alone:
    "barking" is not "banking", nor "suitable" "stable"."""
    if len(typed) > len(meant) + 1:
        return False
    last = list(range(len(meant) + 1))
    before: list[int] = []
    for i, a in enumerate(typed, 1):
        row = [i]
        for j, b in enumerate(meant, 1):
            alike = _neighbours(a, b) or {a, b} <= _VOWELS or frozenset((a, b)) in _SOUNDS
            cost = min(last[j] + 1, row[j - 1] + 1, last[j - 1] + (0 if a == b else 1 if alike else 2))
            if i > 1 and j > 1 and a == meant[j - 2] and typed[i - 2] == b:
                cost = min(cost, before[j - 2] + 1)
            row.append(cost)
        before, last = last, row
    return last[-1] <= edits


def _doubled_last(word: str) -> bool:
    """A word of DOUBLED_LAST_MIN letters or more whose last letter is typed twice ("heyy", "needd"): it
    may be drawn out like one with a letter three times."""
    return len(word) >= DOUBLED_LAST_MIN and word[-1] == word[-2] and word.isalpha()


def _misspelt(typed: str, meant: str, slips: int) -> bool:
    """Whether someone who spells by ear might write `meant` as `typed` in at most `slips` slips: a vowel
    put in, left out or typed for another, a double letter typed single or a single one double, a letter
    left out beside one alike in sound ("trak", "sience"), one letter for another alike in sound
    ("sallery", "difrent", "werk", "bild"). Any other change counts as three. Only for a word the
    language does not have: applied to real words it would read "salad" as "solid" and "rating" as
    "reading"."""
    last = list(range(0, 3 * len(meant) + 1, 3))
    for i, a in enumerate(typed, 1):
        row = [last[0] + (1 if a in _VOWELS or typed[i - 2 : i - 1] == a else 3)]
        for j, b in enumerate(meant, 1):
            extra = 1 if a in _VOWELS or typed[i - 2 : i - 1] == a or meant[j - 1] == a else 3
            around = {meant[j - 2 : j - 1], meant[j : j + 1]}
            missed = 1 if b in _VOWELS or b in around or any(frozenset((b, c)) in _SOUNDS for c in around) else 3
            alike = {a, b} <= _VOWELS or frozenset((a, b)) in _SOUNDS
            row.append(min(last[j] + extra, row[j - 1] + missed, last[j - 1] + (0 if a == b else 1 if alike else 3)))
        last = row
    return last[-1] <= slips


_K = TypeVar("_K")
_V = TypeVar("_V")


def _remembered(cache: dict[_K, _V], key: _K, make: Callable[[_K], _V], limit: int = REMEMBERED_MAX) -> _V:
    """What `make` gives for a key, made once; a cache that holds `limit` keys starts afresh."""
    if key in cache:
        return cache[key]
    if len(cache) >= limit:
        cache.clear()
    value = cache[key] = make(key)
    return value


def _entity_type(feature: str) -> str:
    """The entity type feature behind an entity feature ("@role" for "@role=mle" and "@role+"); any
    other feature itself."""
    return feature.partition("=")[0].removesuffix(MANY) if feature[0] == "@" else feature


def about_names(feature: str, named: Mapping[str, str]) -> bool:
    """Whether a feature speaks of the entities a question names: an entity feature, or a word or pair
    of words with a name's word or type in it ("a senior", "a <level>")."""
    return feature[0] == "@" or any(w in named or w[0] == "<" for w in feature.split())


def _points_about(candidate: Candidate, types: frozenset[str], words: set[str]) -> float:
    """A candidate's points from the features of some entity types and their words, net of any context
    points taken back (CONTEXT_CUT): what places named as context bring it."""
    return sum(
        p for f, p in candidate.evidence
        if (f == CONTEXT_CUT or f[1:].partition("=")[0] in types if f[0] == "@" else not words.isdisjoint(f.split()))
    )


def _by_points(evidence: tuple[str, float]) -> float:
    return -abs(evidence[1])


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
        self._alias_len = longest_from(self._aliases)
        self._letters = self._letter_aliases(self._aliases)
        self._lexicon = self._language(kb)
        counts, base, targets = self._count_words()
        self._set_vocabulary(counts, targets)
        self._content: dict[str, tuple[str, ...]] = {}
        self._analyses: dict[str, Analysis] = {}
        self._context = self._context_types(kb)
        self._slot_types = self._slots_of(kb)
        self._compile(seed)
        self._drop_example_typos(counts, base, targets)

    # ----- analysis -------------------------------------------------------------------------

    def _count_words(self) -> tuple[Counter[str], frozenset[str], frozenset[str]]:
        """The knowledge base's words with their counts; those of its parts other than examples; and
        those a typo may be repaired into: a word of an example question only when two examples of
        answering intents use it (an example may hold a typo itself: "ingore" must not become what
        "ignore" is read as; a word only off-topic questions use counts against an answer as it is, and
        "broad" is not "bread"); a word of any other part always. _drop_example_typos then weighs the
        words only examples write."""
        counts: Counter[str] = Counter()
        examples: Counter[str] = Counter()
        declined: Counter[str] = Counter()
        kb = self.kb
        for intent in kb.intents:
            for text in intent.examples:
                (declined if intent.kind == "decline" else examples).update(words(text))
            counts.update(w for group, _ in intent.keywords for phrase in group for w in words(phrase))
            counts.update(set(words(" ".join((intent.title, intent.answer)))))
        for etype in kb.entities.values():
            for value in etype.values:
                for alias in value.aliases:
                    counts.update(words(alias))
        for alias, canon in kb.synonyms.items():
            counts.update(words(alias))
            counts.update(words(canon))
        for follow_up in kb.follow_ups.values():
            counts.update(w for phrase in follow_up.phrases for w in words(phrase))
        if kb.interview is not None:
            counts.update(w for text in kb.interview.leave for w in words(text))
            for question in kb.interview.questions:
                counts.update(w for option in question.options for w in words(" ".join((option.text, *option.words))))
        counts.update(kb.settings.stop_words)
        base = frozenset(counts)
        counts.update(examples)
        counts.update(declined)
        return counts, base, base | {w for w, n in examples.items() if n >= 2}

    def _drop_example_typos(self, counts: Counter[str], base: frozenset[str], targets: frozenset[str]) -> None:
        """Leave out of the vocabulary the words only examples write that are typos: so that a question
        is repaired as if no example had them. With the language's word list, such a word is a typo when
        a question would repair it (see _repair) into a word the knowledge base writes more often, however
        many examples make it ("enginer", "sallery", "mlengineer"). A word of the language is one when
        it would be repaired into a word written REAL_WORD_RATIO times as often ("dose"), when fewer than
        RARE_EXAMPLE_WORD examples write it, or when every example that does would have it repaired by
        its neighbours ("marching learning", see _in_context). Needs the compiled pairs (_split)."""
        forms = {stem(w) for w in base}
        suspects = {
            w for w in counts
            if self._lexicon and w not in base and w.isalpha() and len(w) >= SWAP_MIN_LEN and stem(w) not in forms
        }
        beside: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for intent in self.kb.intents:
            for text in intent.examples:
                typed = words(text)
                for n, word in enumerate(typed):
                    if word in suspects:
                        beside[word].append((typed[n - 1] if n else "", typed[n + 1] if n + 1 < len(typed) else ""))
        real = {w for w in suspects if self._lexicon.count(w) is not None}
        typos: set[str] = set()
        for words_ in (suspects - real, real):  # a word of the language may be what a typo meant
            self._set_vocabulary(Counter({w: n for w, n in counts.items() if w not in typos | words_}), targets)
            for word in sorted(words_):
                meant = self._repair(word)
                often = meant is not None and min(counts[w] for w in meant.split()) > (
                    REAL_WORD_RATIO * counts[word] if word in real else counts[word]
                )
                if often or (word in real and (
                    counts[word] < RARE_EXAMPLE_WORD or all(self._in_context(word, *at) for at in beside[word])
                )):
                    typos.add(word)
        self._set_vocabulary(Counter({w: n for w, n in counts.items() if w not in typos}), targets)

    def _set_vocabulary(self, counts: Counter[str], targets: frozenset[str]) -> None:
        self._vocab = counts
        self._stems = {stem(w) for w in counts}
        self._vocab_list = [w for w in counts if w in targets and len(w) >= TYPO_MIN_LEN - 1 and w.isalpha()]
        self._near = {}
        self._corrections = {}

    def correct(self, word: str) -> str | None:
        """The knowledge base's word that a typed word most likely meant, or None if none is close.

        A typo keeps its first letter; a short word is only repaired for swapped letters ("waht") or a
        doubled letter typed once or a single one twice ("helo", "heyy"), since any other edit turns it
        into too many real words ("lose" -> "love"); a longer word only for slips that a keyboard or a
        speller makes (see _mistyped), so that a real word the knowledge base lacks stays itself. When the
        knowledge base names its language, that language's word list decides what a real word is, and
        a word it lacks may be repaired further, as spelled by ear, and then begin with another vowel
        ("inglish"; see _nearest). A known word with "y" added is another word made from it ("rusty",
        "techy"), not a slip, unless the language has no such word ("actualy")."""
        if word in self._vocab or len(word) < SWAP_MIN_LEN or not word.isalpha() or stem(word) in self._stems:
            return None
        if word[-1] == "y" != word[-2] and word[:-1] in self._vocab and (
            self._lexicon is None or self._lexicon.count(word) is not None
        ):
            return None
        return _remembered(self._corrections, word, self._repair)

    def _repair(self, word: str) -> str | None:
        best = self._nearest(word) or self._split(word)
        if best is not None and " " in best and self._lexicon and self._lexicon.count(word) is not None:
            return None  # "meat" is not "me at"
        return best

    def _nearest(self, word: str) -> str | None:
        """The knowledge base's word that a slip of the keyboard explains (see correct), or None. A word
        of the language is repaired only into another form of itself or a word it writes REAL_WORD_RATIO
        times as often ("dose" -> "does"; "meat" is not "meta"); a word it lacks, also when it is spelled
        by ear ("sallery", "bild", see _misspelt)."""
        max_edits = 1 if len(word) <= LONG_WORD else 2
        found = [
            (meant, edits)
            for meant, edits in self._close(word)
            if meant[0] == word[0] or {meant[0], word[0]} <= _FIRST_VOWELS
        ]
        lexicon = self._lexicon if found else None
        count = lexicon.count(word) if lexicon else None
        if lexicon and count is not None:
            often = REAL_WORD_RATIO * count
            found = [
                (meant, edits) for meant, edits in found
                if (lexicon.count(meant) or 0) >= often or meant.startswith(word) or word.startswith(meant)
            ]
        if len(word) < TYPO_MIN_LEN:
            ranked = [
                (edits, meant) for meant, edits in found
                if edits == 1 and meant[0] == word[0] and len(meant) == len(word) and _slip(word, meant)
                and stem(meant) in self._stop
            ]
        else:
            short = len(word) <= SHORT_WORD
            by_ear = lexicon is not None and count is None
            slips = {
                meant: edits <= max_edits and meant[0] == word[0]
                and (
                    _slip(word, meant) or (by_ear and _left_out(word, meant)) if short
                    else _mistyped(word, meant, max_edits)
                )
                for meant, edits in found
            }
            ranked = [
                (not slips[meant], edits, meant)
                for meant, edits in found
                if slips[meant] or (by_ear and _misspelt(word, meant, 1 if short else 2))
            ]
        return min(ranked, key=lambda r: (*r[:-1], -self._vocab[r[-1]], r[-1]))[-1] if ranked else None

    def _close(self, word: str) -> list[tuple[str, int]]:
        """The knowledge base's words two edits or fewer from a word, with their edits (remembered)."""
        return _remembered(self._near, word, self._within_two)

    def _within_two(self, word: str) -> list[tuple[str, int]]:
        from rapidfuzz import process  # here, not at the top: most questions have no typo, and it takes 20 ms
        from rapidfuzz.distance import OSA

        found = process.extract(word, self._vocab_list, scorer=OSA.distance, score_cutoff=2, limit=8)
        return [(meant, edits) for meant, edits, _ in found]

    def _in_context(self, word: str, before: str, after: str) -> str | None:
        """The knowledge base's word that a real word was typed for, judged by its neighbour: "marching
        learning", "mle salty", "data piracy", where the word repaired makes a set phrase with the content
        word beside it (see _phrase), two edits away at most and with the same first letter; None if none."""
        if word in self._vocab or len(word) <= SHORT_WORD or not word.isalpha():
            return None
        left, right = (stem(w) if w and stem(w) not in self._stop else "" for w in (before, after))
        found = [
            (edits, -self._vocab[meant], meant)
            for meant, edits in self._close(word)
            if meant[0] == word[0] and (m := stem(meant)) not in self._stop
            and ((left and self._phrase(left, m)) or (right and self._phrase(m, right)))
        ]
        return min(found)[-1] if found else None

    def _phrase(self, left: str, right: str) -> bool:
        """Whether two stems side by side are a set phrase of the knowledge base: a synonym or alias of
        two words, or a pair that PHRASE_MIN_EXAMPLES of its examples write."""
        if (left, right) in self._aliases or len(self._synonyms.apply((left, right))) == 1:
            return True
        idf = self._idf.get(f"{left} {right}")
        return idf is not None and idf <= self._unknown_idf - math.log(2 * PHRASE_MIN_EXAMPLES + 1)

    def _split(self, word: str) -> str | None:
        """Two words typed without the space between them ("mlengineer", "whatis", "sanfransisco"): a pair
        of words that the knowledge base's examples write side by side, or a set phrase (see _phrase), the
        second or first perhaps mistyped. A real word it lacks ("confirm", "timezone") makes no such pair."""
        ways = []
        for i in range(SPLIT_MIN_PART, len(word) - SPLIT_MIN_PART + 1):
            left, right = word[:i], word[i:]
            if left not in self._vocab and right not in self._vocab:
                continue
            if left not in self._vocab:
                left = self._nearest(left) if len(left) > LONG_WORD else None
            elif right not in self._vocab:
                right = self._nearest(right) if len(right) > LONG_WORD else None
            if left and right and self._side_by_side(stem(left), stem(right)):
                ways.append((f"{left}{right}" != word, -self._vocab[left] - self._vocab[right], left, right))
        return " ".join(min(ways)[2:]) if ways else None

    def _side_by_side(self, left: str, right: str) -> bool:
        return f"{left} {right}" in self._idf or self._phrase(left, right)

    def _drawn_out(self, word: str) -> str | None:
        """What a drawn-out word ("soo" from "sooo", "heyy") reads as: itself when the knowledge base
        knows it from DRAWN_OUT_MIN places ("too", "cool"), else the word with one of its doubled letters
        typed once, if that is known from as many ("so", "hey")."""
        known = self._vocab
        if known.get(word, 0) >= DRAWN_OUT_MIN:
            return None
        shorter = sorted({word[:i] + word[i + 1 :] for i in range(len(word) - 1) if word[i] == word[i + 1]})
        best = max(shorter, key=lambda w: known.get(w, 0), default=None)
        return best if best is not None and known.get(best, 0) >= DRAWN_OUT_MIN else None

    @staticmethod
    def _language(kb: KnowledgeBase) -> Lexicon | None:
        return Lexicon(kb.settings.language) if kb.settings.language else None

    @staticmethod
    def _letter_aliases(aliases: Mapping[tuple[str, ...], Any]) -> frozenset[str]:
        return frozenset(k[0] for k in aliases if len(k) == 1 and len(k[0]) == 1 and k[0].isalpha())

    def _words(self, text: str) -> list[str]:
        """The text's words, less any one-letter alias typed in lower case: such an alias names its
        value only as a capital ("is R worth it"); "r u a bot" and "what r the skills" are texting."""
        typed = words(text)
        if self._letters and self._letters.intersection(typed):
            shown = words(text, fold=False)
            if len(shown) == len(typed):
                typed = [w for w, s in zip(typed, shown) if s not in self._letters]
        return self._spelled(typed) if sum(len(w) == 1 for w in typed) > 1 else typed

    def _spelled(self, typed: list[str]) -> list[str]:
        """Letters typed one by one ("m l ops engineer", "a w s") as the word they spell, when the
        knowledge base knows it; "r u a bot" spells nothing."""
        out: list[str] = []
        letters: list[str] = []
        for word in [*typed, ""]:
            if len(word) == 1 and word.isalpha():
                letters.append(word)
                continue
            spelled = "".join(letters)
            out.extend([spelled] if len(letters) > 1 and spelled in self._vocab else letters)
            letters = []
            if word:
                out.append(word)
        return out

    def analyse(self, text: str) -> Analysis:
        """Turn a question into weighted features, noting corrections and named entities (remembered for
        the last few texts: the dialogue reads a line's names before the line is ranked)."""
        return _remembered(self._analyses, text, self._analyse, RECENT_ANALYSES)

    def _analyse(self, text: str) -> Analysis:
        typed = self._words(text)
        drawn = drawn_out(text)
        corrected, corrections = [], []
        for word in typed:
            fix = (self._drawn_out(word) if word in drawn or _doubled_last(word) else None) or self.correct(word)
            if fix is not None:
                corrections.append((word, fix))
            corrected.append(fix or word)
        beside = ["", *corrected, ""]
        for i, word in enumerate(typed):
            fix = self._in_context(word, beside[i], beside[i + 2]) if corrected[i] == word else None
            if fix is not None:
                corrections.append((word, fix))
                corrected[i] = fix
        if any(" " in w for w in corrected):
            typed = [t for t, c in zip(typed, corrected) for _ in c.split()]
            corrected = [part for c in corrected for part in c.split()]
        quality = [CORRECTION_PENALTY if c != t else 1.0 for c, t in zip(corrected, typed)]
        stems = [stem(w) for w in corrected]
        mentions, rest, named, shape = self._mentions(stems, typed)
        analysis = self._features(self._synonyms.apply(stems), quality, tuple(corrections), mentions, shape)
        features, weights = analysis.features, analysis.weights
        if named:
            # a named entity's own words are understood through its @type feature, not unknown words
            kept = [(f, w) for f, w in zip(features, weights) if f in self._idf or f not in named]
            features, weights = tuple(f for f, _ in kept), tuple(w for _, w in kept)
        entity_only = bool(mentions) and not rest
        return Analysis(
            features, weights, analysis.corrections, analysis.mentions, analysis.unknown, entity_only, named
        )

    def content_words(self, text: str) -> list[str]:
        """The stems of a text that carry meaning: typos repaired, stop words left out (remembered,
        since the dialogue compares every line with the same follow-up phrases and options)."""
        return list(_remembered(self._content, text, self._content_of))

    def _content_of(self, text: str) -> tuple[str, ...]:
        stems = (stem(part) for w in words(text) for part in (self.correct(w) or w).split())
        return tuple(s for s in self._synonyms.apply(stems) if s not in self._stop)

    def _mentions(
        self, stems: list[str], typed: list[str]
    ) -> tuple[tuple[Mention, ...], list[str], dict[str, str], list[str]]:
        """Entity values named in the text (longest alias first), the content words outside them, the
        entity type of each word inside them, and the text with each name written as its type ("<role>")."""
        found: list[Mention] = []
        rest: list[str] = []
        named: dict[str, str] = {}
        shape: list[str] = []
        i = 0
        while i < len(stems):
            for size in range(min(self._alias_len.get(stems[i], 0), len(stems) - i), 0, -1):
                hits = self._aliases.get(tuple(stems[i : i + size]))
                if hits:
                    span = " ".join(typed[i : i + size])
                    named.update(dict.fromkeys(stems[i : i + size], hits[0][0]))
                    found.extend(
                        Mention(e, v, span) for e, v in hits if not any(m.value == v and m.entity == e for m in found)
                    )
                    i += size
                    shape.append(f"<{hits[0][0]}>")
                    break
            else:
                if stems[i] not in self._stop:
                    rest.append(stems[i])
                shape.append(stems[i])
                i += 1
        return tuple(found), rest, named, shape

    def _features(
        self,
        stems: Sequence[str],
        quality: Sequence[float],
        corrections: tuple[tuple[str, str], ...],
        mentions: tuple[Mention, ...],
        shape: Sequence[str] = (),
    ) -> Analysis:
        """Words, pairs of adjacent words and entity features: type, value, the type marked MANY when the
        question names two of its values ("spark or hadoop" asks to choose, "do i need spark" about one
        tool), and each word beside a name paired with the name's type ("<role> do"), so that what is
        learnt around one name holds for every name of its type ("what does an MLE do" is asked like
        "what does a data engineer do"). Context types get neither: two cities, or "in <city>", do not
        make a question about pay."""
        weights: dict[str, float] = {}
        if len(quality) != len(stems):
            quality = [1.0] * len(stems)
        for s, q in zip(stems, quality):
            if s not in self._stop:
                weights[s] = max(weights.get(s, 0.0), q)
        for (a, qa), (b, qb) in zip(zip(stems, quality), zip(stems[1:], quality[1:])):
            weights[f"{a} {b}"] = min(qa, qb)
        spans: dict[str, set[str]] = defaultdict(set)
        for m in mentions:
            weights[f"@{m.entity}"] = 1.0
            weights[f"@{m.entity}={m.value}"] = 1.0
            spans[m.entity].add(m.typed)
        for entity, typed in spans.items():
            if len(typed) > 1 and entity not in self._context:
                weights[f"@{entity}{MANY}"] = 1.0
        shape = self._synonyms.apply(shape)
        for a, b in pairwise(shape):
            if (a[0] == "<") != (b[0] == "<") and (a if a[0] == "<" else b)[1:-1] not in self._context:
                weights.setdefault(f"{a} {b}", 1.0)
        unknown = tuple(s for s in stems if s not in self._stop and s not in self._idf)
        return Analysis(tuple(weights), tuple(weights.values()), corrections, mentions, unknown)

    def analyse_example(self, text: str) -> Analysis:
        """An example question or keyword as compiling reads it: as written, without typo repair."""
        stems = [stem(w) for w in self._words(text)]
        mentions, _, _, shape = self._mentions(stems, stems)
        return self._features(self._synonyms.apply(stems), (), (), mentions, shape)

    # ----- compiling weights ----------------------------------------------------------------

    def _compile(self, seed: int) -> None:
        intents = [i for i in self.kb.intents]
        self._idf = {}
        samples: list[tuple[tuple[str, ...], int]] = []
        for index, intent in enumerate(intents):
            for example in intent.examples:
                samples.append((self.analyse_example(example).features, index))
        df: Counter[str] = Counter(f for feats, _ in samples for f in sorted(set(feats)))
        keyword_feats: list[dict[str, float]] = []
        for intent in intents:
            kw: dict[str, float] = {}
            for group, weight in intent.keywords:
                for phrase in group:
                    for feature in self.analyse_example(phrase).features:
                        kw[feature] = max(kw.get(feature, 0.0), weight)
            keyword_feats.append(kw)
        n = len(samples) + 1
        vocab = set(df) | {f for kw in keyword_feats for f in kw}
        self._idf = {f: math.log((n + 1) / (df.get(f, 0) + 0.5)) for f in vocab}
        self._unknown_idf = math.log((n + 1) / 0.5)
        per_intent: list[Counter[str]] = [Counter() for _ in intents]
        sizes = Counter(index for _, index in samples)
        for feats, index in samples:
            per_intent[index].update(sorted(set(feats)))
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
        self._common = self._common_words(samples)
        self._types = self._intent_types(samples)
        shares = self._decline_shares(samples)
        self._foreign = self._foreign_words(samples, keyword_feats, shares)
        self._topical = self._topical_words(samples)
        self._refine(samples, seed, shares)
        self._calibrate(samples)
        self._top = self._row_tops(self._table)

    def _common_words(self, samples: list[tuple[tuple[str, ...], int]]) -> frozenset[str]:
        """Words in the examples of at least half the answering intents (and of COMMON_MIN_INTENTS):
        nearly every topic uses them ("ml", "engineer"), so they say nothing about whether a question fits."""
        answering = {i for i, intent in enumerate(self.kb.intents) if intent.kind == "answer"}
        pairs = {(f, index) for feats, index in samples if index in answering for f in feats}
        spread = Counter(f for f, _ in pairs if " " not in f and not f.startswith("@"))
        least = max(COMMON_MIN_INTENTS, len(answering) / 2)
        return frozenset(f for f, n in spread.items() if n >= least)

    def _intent_types(self, samples: list[tuple[tuple[str, ...], int]]) -> list[frozenset[str]]:
        """Per intent, the entity types (not values) it is about: those its slots take, and those named
        in at least TYPE_SHARE of its examples."""
        named: list[Counter[str]] = [Counter() for _ in self.kb.intents]
        sizes = Counter(index for _, index in samples)
        for feats, index in samples:
            named[index].update(f for f in feats if f.startswith("@") and "=" not in f and not f.endswith(MANY))
        return [
            slots | {f for f, n in named[index].items() if n >= TYPE_SHARE * sizes[index]}
            for index, slots in enumerate(self._slot_types)
        ]

    @staticmethod
    def _slots_of(kb: KnowledgeBase) -> list[frozenset[str]]:
        """Per intent, the entity types its slots take ("@role"): named in a question, they speak for it."""
        return [frozenset(f"@{slot.entity}" for slot in intent.slots) for intent in kb.intents]

    @staticmethod
    def _context_types(kb: KnowledgeBase) -> frozenset[str]:
        """The entity types that say where the asker is (see EntityType.context)."""
        return frozenset(t.id for t in kb.entities.values() if t.context)

    def _declining(self) -> frozenset[int]:
        """The indices of the decline intents."""
        return frozenset(i for i, intent in enumerate(self.kb.intents) if intent.kind == "decline")

    def _decline_shares(self, samples: list[tuple[tuple[str, ...], int]]) -> dict[str, float]:
        """Per feature of answering intents' examples, how many times as frequent (per example) it is in
        decline intents' examples: the words well above 1 are theirs ("lawyer" belongs to other careers,
        though "I'm a lawyer, how do I get into ML?" names it too)."""
        decline = self._declining()
        theirs: Counter[str] = Counter()
        own: Counter[str] = Counter()
        for feats, index in samples:
            (theirs if index in decline else own).update(set(feats))
        declined = sum(index in decline for _, index in samples) or 1
        answered = (len(samples) - declined) or 1
        return {f: (theirs[f] / declined) / (n / answered) for f, n in own.items()}

    def _foreign_words(
        self,
        samples: list[tuple[tuple[str, ...], int]],
        keyword_feats: list[dict[str, float]],
        shares: dict[str, float],
    ) -> frozenset[str]:
        """Words of decline intents that answering ones hardly use (their share FOREIGN_RATIO or more,
        see _decline_shares) and no keyword names ("nurse", "weather"): to coverage, a sign of another topic."""
        decline = self._declining()
        theirs = {f for feats, index in samples if index in decline for f in feats}
        own = {f for f, share in shares.items() if share < FOREIGN_RATIO}.union(*keyword_feats)
        return frozenset(f for f in theirs - own if " " not in f and not f.startswith("@"))

    def _topical_words(self, samples: list[tuple[tuple[str, ...], int]]) -> dict[str, float]:
        """Per word of the answering examples, the share of the examples that write it which are its most
        frequent intent's: near 1 for a word of one topic ("doctor", which only the application areas'
        examples write), low for one spread over many ("skills"). In coverage, a topical word the intent
        does not speak for says the question is about another topic (see _content_features)."""
        per: dict[str, Counter[int]] = defaultdict(Counter)
        for feats, index in samples:
            if self.kb.intents[index].kind == "answer":
                for f in feats:
                    if " " not in f and not f.startswith("@"):
                        per[f][index] += 1
        return {f: max(counts.values()) / sum(counts.values()) for f, counts in per.items()}

    def _refine(self, samples: list[tuple[tuple[str, ...], int]], seed: int, shares: dict[str, float]) -> None:
        """Mistake-driven passes over the examples: raise an intent's weights where a rival outscores it,
        and lower the rival's. A decline intent's example teaches only through its own features: those
        no answering example has, or whose share (see _decline_shares) is DECLINE_RATIO or more (the
        other job in "paramedic pay uk"); FOREIGN_RATIO for a word pair, since pairs are the frames
        questions share ("salary of" has 5.4). So "how much do they earn" is still a salary question.
        Each pass takes the examples in an order set by a hash of each one, so adding or removing one
        example leaves the others' order alone and moves few other answers (a shuffle moved several
        times as many). The weights kept are the average over every step (an averaged perceptron): the
        examples met last do not get the last word, and unseen questions are answered better."""
        declines = self._declining()
        answering = {f for f, share in shares.items() if share < (FOREIGN_RATIO if " " in f else DECLINE_RATIO)}
        order = list(samples)
        ids = [intent.id for intent in self.kb.intents]
        table = self._table
        top = self._row_tops(table)
        steps = 0
        moved: dict[tuple[str, int], float] = defaultdict(float)
        for epoch in range(REFINE_EPOCHS):
            order.sort(key=lambda sample: zlib.crc32(" ".join((ids[sample[1]], *sample[0])).encode(), seed + epoch))
            mistakes = 0
            for feats, gold in order:
                steps += 1
                vec = self._query_vector(feats, [1.0] * len(feats))
                found = self._rival(vec, gold, top)
                if found is None:
                    continue
                rival, own, rival_score = found
                if rival_score + REFINE_MARGIN > own:
                    mistakes += 1
                    for f, w in vec:
                        if gold in declines and f in answering:
                            continue
                        row = table[f]
                        row[gold] = raised = row.get(gold, 0.0) + REFINE_RATE * w
                        row[rival] = row.get(rival, 0.0) - REFINE_RATE * w
                        moved[f, gold] += steps * REFINE_RATE * w
                        moved[f, rival] -= steps * REFINE_RATE * w
                        if raised > top[f]:
                            top[f] = raised
            if not mistakes:
                break
        for (f, index), m in moved.items():
            table[f][index] -= m / (steps + 1)

    def _calibrate(self, samples: list[tuple[tuple[str, ...], int]]) -> None:
        """One scale for the whole knowledge base: a typical example question of an intent scores
        about 100 for it, whatever the size of the knowledge base (ranking is unaffected)."""
        own = sorted(
            self._score(self._rows(self._query_vector(feats, [1.0] * len(feats))), index) for feats, index in samples
        )
        reference = own[len(own) // 2] if own else 1.0
        self._scale = 100.0 / reference if reference > 0.01 else 100.0

    # ----- ranking --------------------------------------------------------------------------

    def _query_vector(self, features: Sequence[str], quality: Sequence[float]) -> list[tuple[str, float]]:
        idf_of = self._idf.get
        known: list[tuple[str, float]] = []
        unknown = 0.0
        for f, q in zip(features, quality, strict=True):
            value = idf_of(f)
            if value is None:
                unknown += UNKNOWN_PAIR_SHARE if " " in f else 1.0
            else:
                known.append((f, value**QUERY_IDF_POWER * q))
        norm = math.sqrt(sum(w * w for _, w in known) + unknown * self._unknown_idf ** (2 * QUERY_IDF_POWER))
        return [(f, w / norm) for f, w in known] if norm else []

    def _accumulate(self, vector: Iterable[tuple[str, float]]) -> dict[int, float]:
        scores: dict[int, float] = {}
        get = scores.get
        table = self._table
        for f, w in vector:
            row = table.get(f)
            if row:
                for index, weight in row.items():
                    scores[index] = get(index, 0.0) + w * weight
        return scores

    def rank(self, text: str, limit: int = 5, focus: Sequence[str] = ()) -> Match:
        """Rank the intents for a question; scores run from 0 to 100. `focus` holds the parts of the
        text that ask (see rank_analysis)."""
        analysis = self.analyse(text)
        return self.rank_analysis(analysis, limit, tuple(self.analyse(part) for part in focus))

    def rank_analysis(self, analysis: Analysis, limit: int = 5, focus: Sequence[Analysis] = ()) -> Match:
        """Rank the intents for an already analysed question. `focus` holds the analyses of the parts
        that ask in a longer text ("I'm 34, an accountant ... Which topics can I skip?"): the whole text
        still scores, and an intent's coverage is the best of the whole text's and each asking part's,
        so the story around a question does not count against its answer; its weighted coverage stays
        the whole text's, so that among close candidates the one that speaks for the story too is
        preferred. Small talk is made of words of every kind ("thx a ton", "awesome, thank u", "hallo,
        nice to meet u"): for a small-talk intent, a word the knowledge base has never seen does not
        count against it; one it knows from another intent still does ("thanks for the nurse salaries")."""
        vector = self._query_vector(analysis.features, analysis.weights)
        scale = self._scale
        rows = [(f, scale * w, row) for f, w in vector if (row := self._table.get(f))]
        content, subjects = self._content_features(analysis)
        asking = [self._content_features(part) for part in focus]
        known = [c for c in content if c[0] in self._idf]  # what small talk is judged on (see above)
        candidates = []
        places = frozenset(m.entity for m in analysis.mentions if m.entity in self._context)
        context = {w for w, t in analysis.named.items() if t in places}
        for score, index in self._best(vector, limit):
            evidence = [
                (f, round(points, 1))
                for f, scaled, row in rows
                if (weight := row.get(index)) is not None and abs(points := scaled * weight) >= 0.05
            ]
            evidence.sort(key=_by_points)
            types = self._types[index]
            support = {_entity_type(f) for f, points in evidence if points > 0}
            support -= {f for f in support if f[0] == "@" and f not in types}
            support |= self._slot_types[index]
            smalltalk = self.kb.intents[index].kind == "smalltalk"
            coverage = self._coverage(known if smalltalk else content, subjects, support)
            if coverage is None:
                coverage = (1.0, 1.0, 1.0) if smalltalk or analysis.entity_only else (0.0, 0.0, 1.0)
            whole = coverage[1]
            for words_, named_types in asking:
                if coverage[:2] == (1.0, 1.0):
                    break
                coverage = max(coverage, self._coverage(words_, named_types, support) or coverage)
            coverage = (coverage[0], whole, coverage[2])
            candidates.append(Candidate(self._intent_ids[index], round(scale * score, 1), tuple(evidence), *coverage))
        if context:
            candidates = self._context_capped(candidates, context, places)
        if around := self._around(analysis):
            named = {w for w, t in analysis.named.items() if t in around}
            candidates = [replace(c, place_points=round(_points_about(c, around, named), 1)) for c in candidates]
        return Match(analysis, tuple(candidates))

    def _around(self, analysis: Analysis) -> frozenset[str]:
        """The context types a question names as context, for coverage: with one value. Two ("London
        or Berlin?") are what the question compares, not where the asker is, so their words count."""
        values: dict[str, set[str]] = defaultdict(set)
        for m in analysis.mentions:
            if m.entity in self._context:
                values[m.entity].add(m.value)
        return frozenset(t for t, named in values.items() if len(named) == 1)

    def _context_capped(self, candidates: list[Candidate], context: set[str], types: frozenset[str]) -> list[Candidate]:
        """Context narrows an answer but does not choose it. A candidate's points from context entities
        (their words, word pairs and @features) count at most as much as its points from the rest of
        the question, when some candidate gets twice as many from the rest, and CONTEXT_FRAME_MIN at
        least, without them: in "I live in Berlin, what is machine learning?" the salary table scores
        higher on "Berlin" alone, but the question asks what ML is. The points taken back are an entry
        of their own (CONTEXT_CUT), so the evidence still adds up to the score. Decline intents keep
        theirs: "flights to London" is off topic because of where it goes. Two places are capped alike:
        "the time difference between London and New York" asks about time; when pay is what two
        places are compared on, the salary table has the rest of the question too."""
        arounds = [_points_about(c, types, context) for c in candidates]
        strongest = max((min(c.score - a, c.score) for c, a in zip(candidates, arounds)), default=0.0)
        if strongest < CONTEXT_FRAME_MIN:
            return candidates
        capped = []
        for c, a in zip(candidates, arounds):
            cut = round(a - max(c.score - a, 0.0), 1)
            if cut > 0 and c.score - a < strongest / 2 and self.kb.intent(c.intent).kind != "decline":
                c = replace(c, score=round(c.score - cut, 1), evidence=(*c.evidence, (CONTEXT_CUT, -cut)))
            capped.append(c)
        return sorted(capped, key=lambda c: -c.score)

    def _content_features(self, analysis: Analysis) -> tuple[list[tuple[str, bool, str, float, float]], frozenset[str]]:
        """The question's content words, each with what _coverage needs whatever the intent: whether it
        is common, its entity feature, its count when it does not speak for the intent, its idf; and the
        entity types it names other than as context. The words of a context entity are left out: "in
        San Francisco" says where the asker is, so in "nanny salary in San Francisco" it neither makes
        up for "nanny" nor counts against the salary table."""
        idf_of, foreign, named, context = self._idf.get, self._foreign, analysis.named, self._around(analysis)
        topical = self._topical.get
        return [
            (f, f in self._common, f"@{named.get(f)}",
             1.0 if weight is None
             else FOREIGN_WEIGHT if f in foreign else KNOWN_SHARE + TOPICAL_WEIGHT * topical(f, 0.0),
             self._unknown_idf if weight is None else weight)
            for f in analysis.features
            if " " not in f and not f.startswith("@") and not f[0].isdigit()  # a figure alone asks nothing
            and named.get(f) not in context
            for weight in (idf_of(f),)
        ], frozenset(m.entity for m in analysis.mentions) - context

    def _coverage(
        self, content: list[tuple[str, bool, str, float, float]], subjects: frozenset[str], support: set[str]
    ) -> tuple[float, float, float] | None:
        """The share of the question's content words that speak for an intent, counted and weighted by
        idf: a question that shares one word with an intent and says three others is not about it.
        None when no word counts: then only small talk ("what can you do") and a question that names
        an entity alone ("and in London?") are covered, and a part of a longer text says nothing.
        - A common word (see _common_words) counts only when it speaks for the intent. The words of a
          context entity are not counted at all (see _content_features).
        - In the count, a word the knowledge base knows from other intents weighs KNOWN_SHARE of one
          it has never seen ("english skills" is about English; in "paramedic pay", "paramedic" is what
          the question is about), more the more it belongs to one other topic (up to TOPICAL_WEIGHT
          more, see _topical_words: in "how much do doctors earn", "doctor" is what the question is
          about, and the salary table does not speak for it), and one it knows only from decline
          intents FOREIGN_WEIGHT: it names a topic the knowledge base declines ("plumber salary in
          London"). In the weighted share, an unknown word weighs as much as the rarest known one.
        - A named entity speaks for the intent through its type when the type has points for it and the
          intent is about that type (see _intent_types), or when the intent has a slot for it: "data
          scientist salary" asks what the salary table says of that role (that it has no figure), though
          no example of it names one. Each entity type named that does not speak for the intent counts as one
          more word that does not ("accountant salary": the salary of another job), unless it is a
          context type: "I live in London" says where the asker is, not what the question is about.
        `subjects`: the entity types named other than as context; `support`: the features with points for
        the intent (an entity type only if the intent is about it) and its slots' types. Also returns the
        count's total, how many words it was over."""
        covered = counted = covered_weight = weighed = 0.0
        for f, common, typed, count, weight in content:
            if f in support or (not common and typed in support):
                covered += 1.0
                counted += 1.0
                covered_weight += weight
            elif not common:
                counted += count
            else:
                continue
            weighed += weight
        if not counted:
            return None
        for _ in subjects - {f[1:] for f in support if f[0] == "@"}:
            counted += 1.0
            weighed += self._unknown_idf
        return covered / counted, covered_weight / weighed, counted

    # ----- pruned scoring: the same scores as _accumulate, without scoring intents that cannot matter --

    def _rows(self, vector: Sequence[tuple[str, float]]) -> list[tuple[dict[int, float], float]]:
        return [(self._table.get(f) or {}, w) for f, w in vector]

    @staticmethod
    def _score(rows: Sequence[tuple[dict[int, float], float]], index: int) -> float:
        """One intent's score, added up in the order _accumulate adds it (so to the last bit the same)."""
        total = 0.0
        for row, w in rows:
            weight = row.get(index)
            if weight is not None:
                total += w * weight
        return total

    def _best(self, vector: Sequence[tuple[str, float]], limit: int) -> list[tuple[float, int]]:
        """The `limit` best (score, intent index) pairs scoring above 0, best first: what sorting every
        intent's score gives, without adding most of them up when some rows are long (below PRUNE_ROW
        postings a row, adding everything up is quicker). Rows are walked short and weighty first;
        a few of the intents reached are scored, which gives a floor the last place reaches at least.
        Once the rows left cannot together lift an unseen intent to that floor, they are only looked
        up for the intents that may still reach it, and just those that may still enter are scored in
        full (in _accumulate's order, so to the same bit)."""
        rows = self._rows(vector)
        longest = max((len(row) for row, _ in rows), default=0)
        if limit < 1 or longest <= PRUNE_ROW or not all(w > 0 for _, w in vector):
            scores = self._accumulate(vector)
            return sorted(((s, i) for i, s in scores.items() if s > 0), reverse=True)[:limit]
        top = self._top
        bounds = [w * (top[f] if f in top else max(0.0, *row.values())) for (row, w), (f, _) in zip(rows, vector)]
        order = sorted(range(len(rows)), key=lambda n: bounds[n] / (len(rows[n][0]) or 1), reverse=True)
        left = sum(bounds)
        partial: dict[int, float] = {}
        get = partial.get
        exact: dict[int, float] = {}
        floor = 0.0
        walked = 0
        while walked < len(order) and left >= floor - PRUNE_SLACK:
            row, w = rows[order[walked]]
            for index, weight in row.items():
                partial[index] = get(index, 0.0) + w * weight
            left -= bounds[order[walked]]
            walked += 1
            if len(partial) >= limit and left >= floor - PRUNE_SLACK:
                for index in heapq.nlargest(2 * limit, partial, key=partial.__getitem__):
                    if index not in exact:
                        exact[index] = self._score(rows, index)
                ranked = heapq.nlargest(limit, (s for s in exact.values() if s > 0))
                if len(ranked) == limit:
                    floor = max(floor, ranked[-1])
        later = sorted(order[walked:], key=bounds.__getitem__, reverse=True)
        left = sum(bounds[n] for n in later)
        for n in later:
            partial = {i: p for i, p in partial.items() if p + left >= floor - PRUNE_SLACK}
            left -= bounds[n]
            row, w = rows[n]
            look = row.get
            partial = {i: p + w * look(i, 0.0) for i, p in partial.items()}
        hopeful = [(-p, i) for i, p in partial.items() if p >= floor - PRUNE_SLACK]
        heapq.heapify(hopeful)
        best: list[tuple[float, int]] = []
        while hopeful:
            bound, index = heapq.heappop(hopeful)
            if len(best) == limit and -bound + PRUNE_SLACK < best[0][0]:
                break
            score = exact[index] if index in exact else self._score(rows, index)
            if score > 0:
                if len(best) < limit:
                    heapq.heappush(best, (score, index))
                elif (score, index) > best[0]:
                    heapq.heapreplace(best, (score, index))
        return sorted(best, reverse=True)

    def _rival(
        self, vector: Sequence[tuple[str, float]], gold: int, top: dict[str, float]
    ) -> tuple[int, float, float] | None:
        """For _refine: the example's own score and the best other intent with its score, as a full
        _accumulate finds them; None when no other intent can come within REFINE_MARGIN of the own
        score (nothing is learnt then). The features whose rows are long for what they can add to one
        intent are left for later, as many as cannot together lift an intent to that bar: only the
        other rows are walked, and only the intents they reach are followed through the rest."""
        rows = self._rows(vector)
        if all(w > 0 for _, w in vector):
            own = self._score(rows, gold)
            bar = own - REFINE_MARGIN - PRUNE_SLACK
            bounds = [w * top.get(f, math.inf) for f, w in vector]
            later: list[int] = []
            total = 0.0
            for n in sorted(range(len(rows)), key=lambda n: bounds[n] / (len(rows[n][0]) or 1)):
                if total + bounds[n] < bar:
                    later.append(n)
                    total += bounds[n]
            partial: dict[int, float] = {}
            get = partial.get
            for n in set(range(len(rows))).difference(later):
                row, w = rows[n]
                for index, weight in row.items():
                    partial[index] = get(index, 0.0) + w * weight
            partial.pop(gold, None)
            later.sort(key=bounds.__getitem__, reverse=True)
            for n in later:
                partial = {i: p for i, p in partial.items() if p + total > bar}
                if not partial:
                    break
                total -= bounds[n]
                row, w = rows[n]
                get = row.get
                partial = {i: p + w * get(i, 0.0) for i, p in partial.items()}
            hopeful = sorted(((p, i) for i, p in partial.items() if p + PRUNE_SLACK > bar), reverse=True)
            rival, rival_score, tie = -1, -math.inf, False
            for part, index in hopeful:
                if part + PRUNE_SLACK < rival_score:
                    break
                score = self._score(rows, index)
                if score > rival_score:
                    rival, rival_score, tie = index, score, False
                elif score == rival_score:
                    tie = True
            if rival < 0 or not rival_score + REFINE_MARGIN > own:
                return None
            if not tie:
                return rival, own, rival_score
        scores = self._accumulate(vector)
        own = scores.pop(gold, 0.0)
        if not scores:
            return None
        rival, rival_score = max(scores.items(), key=lambda kv: kv[1])
        return rival, own, rival_score

    @staticmethod
    def _row_tops(table: Mapping[str, dict[int, float]]) -> dict[str, float]:
        """Per feature, the most it gives any one intent (at least 0): what bounds the pruning above."""
        return {f: max(0.0, *row.values()) for f, row in table.items()}

    # ----- compiled state, for the cache (advisor/cache.py) -------------------------------------

    def to_state(self) -> dict[str, Any]:
        """Everything compiling produced, as JSON values (long lists of plain numbers, so that a cache can
        pack them): from_state(kb, state) gives back a matcher that ranks exactly like this one."""
        table = self._table
        features = sorted(table)  # a cache's table is searched by bisection (see _Rows)
        rows = [table.get(f) for f in features]
        return {
            "stop": sorted(self._stop),
            "synonyms": [[" ".join(k) for k in self._synonyms._map], list(self._synonyms._map.values())],
            "aliases": [
                [" ".join(k) for k in self._aliases],
                [len(hits) for hits in self._aliases.values()],
                [e for hits in self._aliases.values() for e, _ in hits],
                [v for hits in self._aliases.values() for _, v in hits],
            ],
            "vocab": [self._lines(self._vocab), list(self._vocab.values())],
            "vocab_list": self._lines(self._vocab_list),
            "stems": self._lines(sorted(self._stems)),
            "idf": [self._idf[f] for f in features],
            "unknown_idf": self._unknown_idf,
            "common": sorted(self._common),
            "foreign": sorted(self._foreign),
            "topical": [self._lines(self._topical), list(self._topical.values())],
            "types": [sorted(t) for t in self._types],
            "table": [
                self._lines(features),
                [len(row) for row in rows],
                [i for row in rows for i in row],
                [w for row in rows for w in row.values()],
            ],
            "intent_ids": self._intent_ids,
            "scale": self._scale,
        }

    @classmethod
    def from_state(cls, kb: KnowledgeBase, state: Any) -> Matcher:
        """The matcher to_state() described, for this knowledge base. Every value is checked on the way
        in: anything out of place raises ValueError (the caller then compiles instead)."""
        texts, numbers = cls._texts, cls._numbers
        matcher = cls.__new__(cls)
        matcher.kb = kb
        matcher._stop = frozenset(texts(state["stop"]))
        phrases, canon = cls._pairs([state["synonyms"]])[0]
        if len(texts(phrases)) != len(texts(canon)):
            raise ValueError("the synonyms do not add up")
        matcher._synonyms = Phrases(dict(zip(map(tuple, map(str.split, phrases)), canon)))
        keys, sizes, types, values = state["aliases"]
        sizes = numbers(sizes, int, len(texts(keys)))
        if len(texts(types)) != sum(sizes) or len(texts(values)) != len(types) or min(sizes, default=1) < 1:
            raise ValueError("the aliases do not add up")
        hits = zip(types, values)
        groups = (list(islice(hits, n)) for n in sizes)
        matcher._aliases = defaultdict(list, zip(map(tuple, map(str.split, keys)), groups))
        matcher._alias_len = longest_from(matcher._aliases)
        matcher._letters = cls._letter_aliases(matcher._aliases)
        words_, counts = cls._pairs([state["vocab"]])[0]
        words_ = cls._unlines(words_)
        matcher._vocab = Counter(dict(zip(words_, numbers(counts, int, len(words_)))))
        matcher._vocab_list = cls._unlines(state["vocab_list"])
        matcher._stems = set(cls._unlines(state["stems"]))
        matcher._corrections = {}
        matcher._near = {}
        matcher._lexicon = cls._language(kb)
        matcher._content = {}
        matcher._analyses = {}
        matcher._common = frozenset(texts(state["common"]))
        matcher._foreign = frozenset(texts(state["foreign"]))
        words_, shares = cls._pairs([state["topical"]])[0]
        words_ = cls._unlines(words_)
        matcher._topical = dict(zip(words_, numbers(shares, float, len(words_))))
        matcher._types = [frozenset(texts(t)) for t in cls._texts_lists(state["types"])]
        matcher._context = cls._context_types(kb)
        matcher._slot_types = cls._slots_of(kb)
        matcher._unknown_idf, matcher._scale = numbers([state["unknown_idf"], state["scale"]], float, 2)
        matcher._intent_ids = texts(state["intent_ids"])
        if matcher._intent_ids != [i.id for i in kb.intents] or len(matcher._types) != len(kb.intents):
            raise ValueError("the compiled state is for other intents")
        features, sizes, indices, weights = state["table"]
        features = cls._unlines(features)
        sizes = numbers(sizes, int, len(features))
        indices, weights = numbers(indices, int, sum(sizes)), numbers(weights, float, sum(sizes))
        # the set of the intent numbers (a few distinct ones) against the intents': quicker than min and max
        if indices and (min(sizes) < 1 or not set(indices) <= set(range(len(matcher._intent_ids)))):
            raise ValueError("the compiled weights point outside the intents")
        matcher._table = _Rows(features, sizes, indices, weights, numbers(state["idf"], float, len(features)))
        matcher._idf = matcher._table.idf
        matcher._top = {}  # _best works a row's top out from the row when it needs it
        return matcher

    @classmethod
    def _lines(cls, texts: Iterable[str]) -> str:
        """Texts as one, a line each, for the long lists of the compiled state: a cache reads one string
        and splits it far quicker than thousands of strings (features, words). ValueError for a text
        that holds a line break or is empty (_unlines would not give it back)."""
        texts = list(texts)
        joined = "\n".join(texts)
        if cls._unlines(joined) != texts:
            raise ValueError("a text of the compiled state holds a line break or is empty")
        return joined

    @staticmethod
    def _unlines(value: Any) -> list[str]:
        """The texts that _lines() joined."""
        if not isinstance(value, str):
            raise ValueError("expected lines of text")
        return value.split("\n") if value else []

    @staticmethod
    def _texts(value: Any) -> list[str]:
        if not isinstance(value, list) or set(map(type, value)) - {str}:
            raise ValueError("expected a list of text")
        return value

    @classmethod
    def _texts_lists(cls, value: Any) -> list[list[str]]:
        if not isinstance(value, list):
            raise ValueError("expected a list of lists of text")
        return [cls._texts(v) for v in value]

    @staticmethod
    def _pairs(value: Any) -> list[tuple[Any, Any]]:
        if not isinstance(value, list) or not all(isinstance(v, list) and len(v) == 2 for v in value):
            raise ValueError("expected a list of pairs")
        return [(a, b) for a, b in value]

    @staticmethod
    def _numbers(value: Any, kind: type, count: int) -> Sequence[Any]:
        """`count` finite numbers of one type: a list (an int is not taken for a float, nor a bool for an
        int), or an array of that type as a cache unpacks long lists into (its typecode is its type check)."""
        if isinstance(value, array):
            fits = value.typecode in ("d" if kind is float else "hq")
        else:
            fits = isinstance(value, list) and not set(map(type, value)) - {kind}
        if not fits or len(value) != count:
            raise ValueError(f"expected {count} values of type {kind.__name__}")
        if kind is float and not math.isfinite(sum(value)):  # an inf or a nan anywhere makes the sum one
            raise ValueError("expected finite numbers")
        return value
