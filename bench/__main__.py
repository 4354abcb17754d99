"""`bench/run [updates|delivery] [options]`: one benchmark, or (no arguments) all of them and a summary."""

from __future__ import annotations

import sys
import time

from bench import delivery, reports, selfstudy, updates
from bench.common import progress, write_json

BENCHES = {"updates": updates.main, "delivery": delivery.main, "reports": reports.main, "selfstudy": selfstudy.main}
USAGE = """usage: bench/run                  every benchmark (/join on SQLite, /checkin on SQLite and PostgreSQL, delivery), then a summary
       bench/run updates [options] (bench/run updates --help)
       bench/run delivery [options] (bench/run delivery --help)
       bench/run reports [options]  (督学 reports at scale; also python -m bench.reports --help)
       bench/run selfstudy [options] (bench/run selfstudy --help)"""


def main(argv: list[str]) -> int:
    if argv and argv[0] in BENCHES:
        BENCHES[argv[0]](argv[1:])
        return 0
    if argv:
        asked = argv[0] in ("-h", "--help")
        print(USAGE, file=sys.stdout if asked else sys.stderr)
        return 0 if asked else 2
    started = time.monotonic()
    results = [updates.main([]), updates.main(["--workload", "checkin"]),
               updates.main(["--workload", "checkin", "--db", "pg"]), delivery.main([])]
    lines = [r.get("headline") or f"skipped: {r['skipped']}" for r in results]
    print("summary\n" + "\n".join(f"  {line}" for line in lines), flush=True)
    write_json("summary", {"lines": lines, "seconds": time.monotonic() - started})
    progress("all benchmarks done")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
