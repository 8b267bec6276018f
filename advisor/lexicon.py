"""The words of the language the questions are asked in, with how often each is written.

The typo repair only knows the knowledge base's own words. Told which words the language has, it can
leave a real word alone ("broad" is not a slip for "bread", nor "salty" for "salary") and dare more
with a word nobody writes ("sallery", "difrent"). The word lists are pyspellchecker's, counted from
large bodies of text in a dozen languages; the knowledge base's settings name the language.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property


def languages() -> tuple[str, ...]:
    """The languages a word list is shipped for ("en", "es", ...)."""
    from spellchecker import SpellChecker

    return tuple(SpellChecker.languages())


class Lexicon:
    """The words of one language, read on first use (a third of a second): most questions have no
    word the knowledge base lacks, and then the list is never needed."""

    def __init__(self, language: str) -> None:
        self.language = language

    @cached_property
    def _counts(self) -> tuple[Mapping[str, int], dict[str, int]]:
        """The list's words, and those written with an apostrophe as text.words() reads them ("didnt")."""
        from spellchecker import SpellChecker

        listed = SpellChecker(language=self.language, distance=1).word_frequency.dictionary
        bare: dict[str, int] = {}
        for word in [w for w in listed if "'" in w]:
            key = word.replace("'", "")
            bare[key] = max(listed[word], bare.get(key, 0))
        return listed, bare

    def count(self, word: str) -> int | None:
        """How often the language writes `word` (lower case, no apostrophes), or None if it is no word of it."""
        listed, bare = self._counts
        return max(listed.get(word, 0), bare.get(word, 0)) or None
