"""atheris fuzz target: any bytes as a knowledge file are loaded, or refused with a located KnowledgeError.

Not run by pytest. See tests/fuzz/README.md:  python tests/fuzz/fuzz_load.py -max_total_time=60
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from advisor.check import check
    from advisor.errors import KnowledgeError
    from advisor.knowledge import load, shipped_path

WORK = Path(tempfile.mkdtemp(prefix="fuzz-load-"))
FILE = WORK / "kb.yaml"


def test_one_input(data: bytes) -> None:
    FILE.write_bytes(data)
    try:
        load(FILE)
    except KnowledgeError as exc:
        if exc.path != str(FILE):
            raise AssertionError(f"names another file: {exc}") from None
        if not exc.line and not exc.message.startswith(("no intents", "file is")):
            raise AssertionError(f"no location: {exc}") from None
        if not check(FILE).errors:
            raise AssertionError("check found no error where load did") from None
    else:
        if check(FILE).errors:
            raise AssertionError("check found an error where load found none")


def seeds() -> Path:
    """The shipped knowledge files and the hostile corpus, as the fuzzer's starting points."""
    corpus = WORK / "seeds"
    corpus.mkdir()
    tests = Path(__file__).resolve().parent.parent
    for path in [*shipped_path().glob("*.yaml"), *(tests / "data").rglob("*.yaml")]:
        shutil.copy(path, corpus / f"{path.parent.name}-{path.name}")
    return corpus


if __name__ == "__main__":
    args = sys.argv + ([] if any(not a.startswith("-") for a in sys.argv[1:]) else [str(seeds())])
    atheris.Setup(args, test_one_input)
    atheris.Fuzz()
