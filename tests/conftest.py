"""Shared fixtures: the shipped knowledge base is loaded and compiled once per test session."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# the tests (and the programs they start) compile into a cache of their own, not the user's
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="advisor-test-cache-")

from advisor import Advisor

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
CONVERSATIONS = TESTS / "conversations"
QUESTIONS = TESTS / "questions"


@pytest.fixture(scope="session")
def advisor() -> Advisor:
    """The advisor on the shipped knowledge base (compiled once; open a fresh chat per test)."""
    return Advisor()


@pytest.fixture(scope="session")
def cooking() -> Advisor:
    """An advisor on tests/data/cooking: the same program, answering about something else."""
    return Advisor(DATA / "cooking")
