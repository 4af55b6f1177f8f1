#!/usr/bin/env bash
# Run once by the postgres:15 image when it creates its data volume (docker-compose.yml):
# let user odoo open replication connections from the compose network, which the "scale"
# profile's read replica (pg_basebackup -R, then streaming) needs. Harmless otherwise.
set -euo pipefail
echo "host replication ${POSTGRES_USER:-odoo} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
