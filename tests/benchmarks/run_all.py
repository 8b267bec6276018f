"""Every benchmark in turn, each printing its own table: cold start, latency, CLINC150, scale.

    python tests/benchmarks/run_all.py [--quick]

--quick runs fewer rounds and leaves out the 10,000-intent knowledge base (whose first compile
takes about a minute). CLINC150 is skipped, with a note, when its data file is not there.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds; scale up to 1,000 intents")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from clinc150 import DEFAULT_DATA

    runs = [
        ("cold start", ["startup.py", "--rounds", "7" if args.quick else "15"]),
        ("latency, load time, memory", ["latency.py", "--rounds", "2" if args.quick else "5"]),
        ("CLINC150", ["clinc150.py"] if DEFAULT_DATA.exists() else None),
        ("scale", ["scale.py", "--rounds", "1" if args.quick else "3", "--sizes", "100", "1000",
                   *([] if args.quick else ["10000"])]),
    ]
    failed = 0
    for title, command in runs:
        print(f"== {title}", flush=True)
        if command is None:
            print(f"(skipped: no data at {DEFAULT_DATA})\n")
            continue
        started = time.perf_counter()
        failed |= subprocess.run([sys.executable, str(HERE / command[0]), *command[1:]]).returncode
        print(f"({time.perf_counter() - started:.0f} s)\n", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
