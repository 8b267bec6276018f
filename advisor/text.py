"""Text normalisation: the one place where typed text becomes the words the matcher compares.

Everything here is a pure function of its arguments; the knowledge base supplies the stop words
and synonyms, so another language or domain only needs other data.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache

MAX_INPUT_CHARS = 1000
TEMPLATE_FIELD = re.compile(r"\{(\w+)\}")  # {name} or {fact} in answer templates

_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.|[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_APOSTROPHES = ("\u2019", "\u2018", "\u02bc", "`")  # read as "'" (a few str.replace calls beat str.translate)
_ELONGATED = re.compile(r"([^\W\d_])\1\1+")
_DIGITS = re.compile(r"\d+")
_NUMBER = re.compile(r"\d{2,}[^\W\d_]{0,2}")  # 2026, 300k, 10th: one shape whatever the digits
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*(?:\+\+|#)?")


def clean(text: str) -> str:
    """Remove terminal escape sequences, control characters and unpaired surrogates."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return _CONTROL.sub(" ", text)


def words(text: str, *, fold: bool = True) -> list[str]:
    """Split text into lower-case words; apostrophes inside a word are dropped ("what's" -> "whats"),
    "&" reads as "and", and letters typed three times or more count twice ("hellooo" -> "helloo").
    With fold=False the words keep the case they were typed in."""
    return list(_words(text, fold))


@lru_cache(maxsize=32)
def _words(text: str, fold: bool = True) -> tuple[str, ...]:
    """words(), remembered for the last few texts: the dialogue and the matcher each read one question's words."""
    text = unicodedata.normalize("NFKC", clean(text))
    for mark in _APOSTROPHES:
        text = text.replace(mark, "'")
    text = _ELONGATED.sub(_twice, (text.casefold() if fold else text).replace("&", " and "))
    found = _WORD.findall(text)
    return tuple(w.replace("'", "") for w in found) if "'" in text else tuple(found)


def drawn_out(text: str) -> frozenset[str]:
    """The words of a text in which a letter was typed three times or more, as words() gives them
    ("sooo" -> "soo"): the matcher may read them with the letter once ("so")."""
    if not _ELONGATED.search(text):
        return frozenset()
    return frozenset(_ELONGATED.sub(_twice, w) for w in _WORD.findall(text.casefold()) if _ELONGATED.search(w))


def _twice(letters: re.Match[str]) -> str:
    return letters.group(1) * 2


_LOST_E = re.compile(r"[^aeiou][aeiouy][^aeiouwxy]")  # "cod" of "coding": code, as "make" of "making"


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Light suffix stripping, so that "salaries", "salary" and "engineers", "engineer" meet; a number
    of two digits or more keeps only its shape ("150k" and "300k" read "0k", "2026" and "34" read "0"),
    so that an example's figures speak for questions with other figures (one digit stays: "track 2").

    Deliberately conservative: it only has to be consistent between questions and examples.
    """
    if _NUMBER.fullmatch(word):
        return _DIGITS.sub("0", word, count=1)
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, repl, min_len in (
        ("ies", "y", 5),
        ("sses", "ss", 5),
        ("ches", "ch", 5),
        ("shes", "sh", 5),
        ("xes", "x", 4),
        ("ing", "", 6),
        ("ied", "y", 5),
        ("ed", "", 5),
        ("s", "", 4),
    ):
        if word.endswith(suffix) and len(word) >= min_len:
            if suffix == "s" and word[-2] in "su":
                return word
            base = word[: len(word) - len(suffix)] + repl
            if suffix in ("ing", "ed"):
                if len(base) > 2 and base[-1] == base[-2] and base[-1] not in "lsz":
                    base = base[:-1]
                elif _LOST_E.fullmatch(base):
                    base += "e"
            return _drop_e(base)
    return _drop_e(word)


def _drop_e(word: str) -> str:
    return word[:-1] if len(word) >= 5 and word.endswith("e") and not word.endswith("ee") else word


class Phrases:
    """Replaces word sequences by canonical words (synonyms and multi-word aliases), longest first."""

    def __init__(self, mapping: Mapping[tuple[str, ...], str]) -> None:
        self._map = dict(mapping)
        self._longest = longest_from(self._map)

    def apply(self, tokens: Iterable[str]) -> list[str]:
        """Return the tokens with every known phrase replaced by its canonical word; a phrase of words
        that are themselves replaced is read too ("machine lerning": "lerning" is "learning", and
        "machine learning" is "ml")."""
        tokens = list(tokens)
        if not self._map:
            return tokens
        once = self._apply(tokens)
        return self._apply(once) if once != tokens else once

    def _apply(self, tokens: list[str]) -> list[str]:
        out: list[str] = []
        longest = self._longest
        i = 0
        while i < len(tokens):
            for size in range(min(longest.get(tokens[i], 0), len(tokens) - i), 0, -1):
                canon = self._map.get(tuple(tokens[i : i + size]))
                if canon is not None:
                    out.append(canon)
                    i += size
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out


def longest_from(phrases: Iterable[tuple[str, ...]]) -> dict[str, int]:
    """Per first word, the length of the longest phrase that starts with it: a word that starts none
    is passed over at once."""
    longest: dict[str, int] = {}
    for phrase in phrases:
        if phrase and len(phrase) > longest.get(phrase[0], 0):
            longest[phrase[0]] = len(phrase)
    return longest


def stems(text: str) -> list[str]:
    """Words of the text, stemmed."""
    return [stem(w) for w in words(text)]


def truncate(text: str, limit: int = MAX_INPUT_CHARS) -> tuple[str, bool]:
    """Cut over-long input to the stated limit; the flag says whether it was cut."""
    if len(text) <= limit:
        return text, False
    return text[:limit], True
