#!/usr/bin/env python3
"""Two Odoo servers on one database and a streaming read replica, under the chaos load.

    python3 tests/chaos/two_servers.py --minutes 5 --tills 8 --source-db <db with member_pos>

What a chain that outgrows one server runs: the drill of drill.py (same options, same
invariants, same counts), with two Odoo servers (prefork, ``--workers 4`` each, one cron
worker each, one data dir: the web sessions are shared) on different ports as behind a
load balancer — each till has its server and goes to the other when a request fails in
transit — and a local streaming replica (a second throwaway cluster made with
``pg_basebackup -R``) that both servers know as ``db_replica_host``/``db_replica_port``,
so that their read-only requests (``search_read`` of the back-office clients, ...) are
served by it. The chaos agent kills the workers of both servers, restarts the primary once
and kills a cron worker mid-job. Afterwards, beside the drill's invariants: the replica
holds the same wallets as the primary (once it has replayed the primary's last WAL), and
the servers had connections to it.
"""

import sys

import drill

if __name__ == "__main__":
    sys.exit(drill.main(["--servers", "2", "--replica", *sys.argv[1:]]))
