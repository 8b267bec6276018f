"""atheris fuzz target: any text, as one or several turns of a conversation, gets a well-formed reply.

Not run by pytest. See tests/fuzz/README.md:  python tests/fuzz/fuzz_ask.py -max_total_time=60
"""

from __future__ import annotations

import re
import sys

import atheris

with atheris.instrument_imports():
    from advisor import Advisor, render

CHAT_KINDS = {"answer", "clarify", "fallback", "smalltalk"}
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
ADVISOR = Advisor()


def test_one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    chat = ADVISOR.chat()
    for turn in provider.ConsumeUnicode(len(data)).split("\n")[:8]:
        reply = chat.ask(turn)
        text = render.plain(reply, 80)
        if reply.kind not in CHAT_KINDS or "something went wrong" in reply.text:
            raise AssertionError(f"{turn!r}: {reply}")
        if UNSAFE.search(text):
            raise AssertionError(f"{turn!r}: unsafe output {text!r}")
        text.encode("utf-8")


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
