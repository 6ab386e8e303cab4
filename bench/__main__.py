"""The benchmarks: ``python -m bench`` runs both, ``python -m bench engine|worker [...]`` one.

``engine``: how fast one process scans a local API that answers slowly, against the critical
path of round trips. ``worker``: scans through real Celery worker processes on Redis and
PostgreSQL, with throughput, submit-to-done times and the workers' memory; it is skipped, with a
line saying how to run it, when REDIS_URL or DATABASE_URL is not set.
"""

from __future__ import annotations

import argparse
import sys

from bench import engine, worker


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    runs = parser.add_subparsers(dest="run", metavar="{engine,worker}")
    for module in (engine, worker):
        name = module.__name__.rsplit(".", 1)[1]
        module.add_arguments(runs.add_parser(name, help=module.__doc__.splitlines()[0]))
    args = parser.parse_args(argv)

    if args.run == "engine":
        return engine.run(args)
    if args.run == "worker":
        return worker.run(args)
    # Both, each with its own defaults.
    print("engine run", flush=True)
    status = engine.run(runs.choices["engine"].parse_args([]))
    print("\nworker run", flush=True)
    return worker.run(runs.choices["worker"].parse_args([])) or status


if __name__ == "__main__":
    sys.exit(main())
