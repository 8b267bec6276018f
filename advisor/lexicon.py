"""The words of the language the questions are asked in, with how often each is written.

The typo repair only knows the knowledge base's own words. Told which words the language has, it can
leave a real word alone ("broad" is not a slip for "bread", nor "salty" for "salary") and dare more
with a word nobody writes ("sallery", "difrent"). The word lists are pyspellchecker's, counted from
large bodies of text in a dozen languages; the knowledge base's settings name the language.
"""

from __future__ import annotations

from functools import cached_property


def languages() -> tuple[str, ...]:
    """The languages a word list is shipped for ("en", "es", ...)."""
    from spellchecker import SpellChecker

    return tuple(SpellChecker.languages())


class Lexicon:
    """The words of one language, read on first use (a quarter of a second): most questions have no
    word the knowledge base lacks, and then the list is never needed."""

    def __init__(self, language: str) -> None:
        self.language = language

    @cached_property
    def _counts(self) -> dict[str, int]:
        from spellchecker import SpellChecker

        counts: dict[str, int] = {}
        for word, count in SpellChecker(language=self.language, distance=1).word_frequency.items():
            key = word.replace("'", "")  # as text.words() reads "didn't"
            counts[key] = max(count, counts.get(key, 0))
        return counts

    def count(self, word: str) -> int | None:
        """How often the language writes `word` (lower case, no apostrophes), or None if it is no word of it."""
        return self._counts.get(word)
