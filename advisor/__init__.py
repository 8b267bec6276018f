"""advisor: a terminal chatbot that answers questions from a YAML knowledge base.

    from advisor import Advisor
    chat = Advisor().chat()
    print(chat.ask("what does an MLOps engineer do?").text)
"""

from __future__ import annotations

from .compose import Explanation, Reply
from .dialogue import Chat, Context
from .engine import Advisor, Topic, TopicEntry

__all__ = ["Advisor", "Chat", "Context", "Explanation", "Reply", "Topic", "TopicEntry", "__version__"]


def __getattr__(name: str) -> str:
    """`__version__`, looked up on first use: importing importlib.metadata costs ~50 ms at every start."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("advisor")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        found = "0+unknown"
    globals()["__version__"] = found
    return found
