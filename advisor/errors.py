"""Exit statuses and the errors a person may see (never as a traceback)."""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitStatus(IntEnum):
    """Process exit codes shared by every command."""

    OK = 0
    ERROR = 1
    USAGE = 2
    INTERRUPTED = 130


class AdvisorError(Exception):
    """An error meant for people: its message says what went wrong and how to fix it."""


class KnowledgeError(AdvisorError):
    """A problem in a knowledge file, located by file, line and column (1-based; 0 = unknown)."""

    def __init__(self, path: str | Path, message: str, line: int = 0, column: int = 0) -> None:
        self.path = str(path)
        self.line = line
        self.column = column
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path
        if self.line:
            where += f":{self.line}:{self.column or 1}"
        return f"{where}: {self.message}"
