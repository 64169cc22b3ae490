"""On demand: render a round of 10,000 answers to all four formats; print time and memory.

Folded into the benchmark suite: this runs ``python -m benchmarks --only summary`` (README
"Benchmarks"): rows in the database → compose → each format, cold and warm, time and peak
memory, with charts against the same document without them.

.venv/bin/python tests/documents/benchmark.py
"""

from __future__ import annotations

import sys

from benchmarks.__main__ import main

if __name__ == "__main__":
    sys.exit(main(["--only", "summary", *sys.argv[1:]]))
