"""advisor: a terminal chatbot that answers questions from a YAML knowledge base.

    from advisor import Advisor
    chat = Advisor().chat()
    print(chat.ask("what does an MLOps engineer do?").text)
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .compose import Explanation, Reply
from .dialogue import Chat, Context
from .engine import Advisor, Topic, TopicEntry

try:
    __version__ = version("advisor")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = ["Advisor", "Chat", "Context", "Explanation", "Reply", "Topic", "TopicEntry", "__version__"]
