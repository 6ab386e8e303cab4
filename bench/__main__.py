"""The benchmarks: ``python -m bench`` runs them all, ``python -m bench engine|batch|pages|worker
[...]`` one.

``engine``: how fast one process scans a local API that answers slowly, against the critical
path of round trips. ``batch``: many local HTTPS sites scanned at once in one process, with the
engine's CPU time per request and each scan's wall time against its critical path. ``pages``: a
report's permalink under load against a static file from the same gunicorn. ``worker``: scans
through real Celery worker processes on Redis and PostgreSQL, with throughput, submit-to-done
times and the workers' memory; it is skipped, with a line saying how to run it, when REDIS_URL or
DATABASE_URL is not set.
"""

from __future__ import annotations

import argparse
import sys

from bench import batch, endpoints, engine, pages, worker


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    runs = parser.add_subparsers(dest="run", metavar="{engine,batch,pages,worker,endpoints}")
    for module in (engine, batch, pages, worker, endpoints):
        name = module.__name__.rsplit(".", 1)[1]
        module.add_arguments(runs.add_parser(name, help=module.__doc__.splitlines()[0]))
    args = parser.parse_args(argv)

    if args.run is not None:
        modules = {
            "engine": engine,
            "batch": batch,
            "pages": pages,
            "worker": worker,
            "endpoints": endpoints,
        }
        return modules[args.run].run(args)
    # All of them, each with its own defaults.
    status = 0
    for name, module in (
        ("engine", engine),
        ("batch", batch),
        ("pages", pages),
        ("worker", worker),
    ):
        print(f"{'' if name == 'engine' else chr(10)}{name} run", flush=True)
        status = module.run(runs.choices[name].parse_args([])) or status
    return status


if __name__ == "__main__":
    sys.exit(main())
