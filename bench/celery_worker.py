"""``celery`` itself, with the bench's made-up API name resolving to 127.0.0.1.

``python -m bench.celery_worker -A webui worker ...`` is ``python -m celery -A webui worker ...``
plus the same hosts entry the engine run uses, so the workers scan a dotted name and send the
whole hostile-origin matrix, as for a real site (an IP address gets only a few origin classes).
The prefork pool's children are forked from this process and inherit the entry.
"""

import sys

from celery.__main__ import main

from bench.target import BENCH_HOST, hosts_entry

if __name__ == "__main__":
    sys.argv[0] = "celery"
    with hosts_entry(BENCH_HOST, "127.0.0.1"):
        main()
