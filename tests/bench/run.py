"""`make bench`: every benchmark, numbers printed (copy them into the README's table)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.bench import ping_bench

# Benchmarks that run as their own module print their own numbers.
_MODULE_BENCHES = (
    "tests.bench.faq_bench",
    "tests.bench.actors_bench",
    "tests.bench.broadcast_bench",
    "tests.bench.e2e_broadcast_bench",
    "tests.bench.report_bench",
    "tests.bench.web_bench",
)


def main() -> int:
    """Run all benchmarks; non-zero exit if one of them fails to run."""
    print("== ping round trip (bot vs bare nio echo) and idle memory ==", flush=True)
    print(json.dumps(ping_bench.run(), indent=2), flush=True)
    failed = 0
    for module in _MODULE_BENCHES:
        print(f"== {module} ==", flush=True)
        failed |= subprocess.call([sys.executable, "-m", module])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
