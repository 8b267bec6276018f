"""Cold start: `advisor ask` and piped input as whole processes, beside `python -c "import yaml, rapidfuzz"`.

The commands run alternately, several rounds, each as a fresh process; the table gives the median and
the fastest wall time of each and the ratio of its median to the baseline's, all from this one run,
then the same for CPU time (user + system), which a busy machine disturbs less.
Byte code is cached in a temporary directory (as in an installed package) and so is the compiled
knowledge base; one warm-up run of each command fills both. The last row is a start with an empty
knowledge cache (the first start after installing or editing the knowledge files). The script also
says whether the non-interactive commands imported prompt_toolkit (they should not).

    python tests/benchmarks/startup.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUESTION = "what does an MLOps engineer do"


def advisor_command() -> list[str]:
    """The installed `advisor` script beside this Python, else `python -m advisor`."""
    script = Path(sys.executable).with_name("advisor")
    return [str(script)] if script.exists() else [sys.executable, "-m", "advisor"]


def timed(command: list[str], env: dict[str, str], stdin: bytes | None = None) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of `command`, which must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, env=env, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def imports_prompt_toolkit(command: list[str], env: dict[str, str], stdin: bytes | None = None) -> bool:
    out = subprocess.run(command, env={**env, "PYTHONPROFILEIMPORTTIME": "1"}, input=stdin,
                         capture_output=True, check=True)
    return b"prompt_toolkit" in out.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    advisor = advisor_command()
    piped = f"{QUESTION}\n".encode()
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env |= {"PYTHONPYCACHEPREFIX": str(Path(tmp, "pyc")), "XDG_CACHE_HOME": str(Path(tmp, "cache"))}
        runs = {
            'python -c "import yaml, rapidfuzz"': ([sys.executable, "-c", "import yaml, rapidfuzz"], None),
            f'advisor ask "{QUESTION}"': ([*advisor, "ask", QUESTION], None),
            f'echo "{QUESTION}" | advisor': (advisor, piped),
        }
        for command, stdin in runs.values():
            timed(command, env, stdin)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
        for _ in range(args.rounds):
            for name, (command, stdin) in runs.items():
                times[name].append(timed(command, env, stdin))
        first = []
        for n in range(max(3, args.rounds // 5)):
            cold_env = {**env, "XDG_CACHE_HOME": str(Path(tmp, f"empty{n}"))}
            first.append(timed([*advisor, "ask", QUESTION], cold_env))
            shutil.rmtree(Path(tmp, f"empty{n}"), ignore_errors=True)
        times[f'advisor ask "{QUESTION}", empty knowledge cache'] = first
        base_wall, base_cpu = (statistics.median(t[i] for t in next(iter(times.values()))) for i in (0, 1))
        width = max(map(len, times))
        print(f"{'command':<{width}}  {'runs':>4}  {'median ms':>9}  {'min ms':>7}  {'ratio':>5}  "
              f"{'CPU ms':>6}  {'CPU ratio':>9}")
        for name, values in times.items():
            wall, cpu = (statistics.median(t[i] for t in values) for i in (0, 1))
            print(f"{name:<{width}}  {len(values):>4}  {wall * 1e3:>9.1f}  {min(t[0] for t in values) * 1e3:>7.1f}  "
                  f"{wall / base_wall:>5.2f}  {cpu * 1e3:>6.1f}  {cpu / base_cpu:>9.2f}")
        ask, pipe = runs[f'advisor ask "{QUESTION}"'], runs[f'echo "{QUESTION}" | advisor']
        print(f"prompt_toolkit imported: by ask {'yes' if imports_prompt_toolkit(ask[0], env) else 'no'}, "
              f"by piped input {'yes' if imports_prompt_toolkit(pipe[0], env, pipe[1]) else 'no'}")


if __name__ == "__main__":
    main()
