"""On demand: render a round of 10,000 answers to all four formats; print time and memory.

.venv/bin/python tests/documents/benchmark.py
"""

from __future__ import annotations

import time
import tracemalloc
from datetime import date

from bot.documents import Format, render
from bot.domain.summary import AnswerInput, Kind, QuestionInput, QuoteInput, SummaryInput, compose


def main() -> None:
    roles = ("ervaringsdeskundige", "professional")
    questions = tuple(
        QuestionInput(
            n,
            f"Vraag {n}",
            Kind.SCALE if n % 2 else Kind.OPEN_TEXT,
            scale_min=1,
            scale_max=5,
            answers=tuple(AnswerInput(i, roles[i % 2], str(1 + i % 5)) for i in range(1000)),
        )
        for n in range(1, 11)
    )
    quotes = tuple(
        QuoteInput(2 * (1 + i % 5), roles[i % 2], f"citaat {i} " * 8) for i in range(200)
    )
    tracemalloc.start()
    document = compose(SummaryInput(date(2021, 3, 3), "t", questions=questions, quotes=quotes))
    for fmt in Format:
        started = time.perf_counter()
        size = len(render(document, fmt))
        print(f"{fmt.value:5} {time.perf_counter() - started:6.2f} s  {size / 1024:8.1f} KiB")
    _, peak = tracemalloc.get_traced_memory()
    print(f"peak memory {peak / 2**20:.1f} MiB (10,000 answers, 200 quotes)")


if __name__ == "__main__":
    main()
