"""``samenkracht run`` under cProfile: ``python -m benchmarks.profiled_bot OUT.prof``.

The answers benchmarks start the bot this way when SAMENKRACHT_BENCH_PROFILE names a
directory; read the result with ``python -m pstats OUT.prof`` (sort cumtime, stats 40).
cProfile sees the event loop's thread, where the bot spends its CPU time; the database
driver's own thread (aiosqlite) is not in it.
"""

from __future__ import annotations

import cProfile
import sys

from bot.cli.root import main as samenkracht


def main() -> None:
    out = sys.argv[1]
    sys.argv = ["samenkracht", "run"]
    profile = cProfile.Profile()
    profile.enable()
    try:
        samenkracht()
    except SystemExit:
        pass
    finally:
        profile.disable()
        profile.dump_stats(out)


if __name__ == "__main__":
    main()
