#!/usr/bin/env bash
# Entry point of the two Odoo services of docker-compose.yml, inside the official odoo:19
# image (Ubuntu, Python 3.12, user `odoo`, HOME=/var/lib/odoo on the odoo-data volume).
#   docker_odoo.sh init   create the demo database with every addon of the suite and its
#                         demo data, or update the addons when the database exists; then exit
#   docker_odoo.sh serve  serve the demo database on port 8069
#   docker_odoo.sh serve-scaled  the same in prefork mode (4 workers, a cron worker) with
#                         the read replica $REPLICA_HOST:$REPLICA_PORT for read-only
#                         requests (docker-compose.yml's "scale" profile: two of them)
# The image's /entrypoint.sh adds the database host/user/password and waits for PostgreSQL.
set -euo pipefail

mode=${1:-serve}
repo=/mnt/extra-addons
db=${DEMO_DB:-member_demo}

# Python requirements of the suite, in the user site of `odoo` (kept on the odoo-data
# volume); the image's Python is "externally managed", hence --break-system-packages.
pip3 install --quiet --user --break-system-packages --no-warn-script-location \
    -r "$repo/requirements.txt"

# Addons path: the repository's addons/ folder (when it holds an addon), then the
# repository (addons/ first: Odoo names a file's module after the first path holding it).
# Odoo's own addons are part of the image and always on the path.
addons_path=$repo
if compgen -G "$repo/addons/*/__manifest__.py" >/dev/null; then
    addons_path="$repo/addons,$addons_path"
fi

case "$mode" in
init)
    # The addons of the suite, found the way `make demo` finds them (test-only ones left out).
    modules=$(python3 "$repo/scripts/suite.py" addons --csv --demo)
    modules=${modules:-base}
    export PGPASSWORD=${PASSWORD:-odoo}
    initialised=$(psql -h "${HOST:-db}" -p "${PORT:-5432}" -U "${USER:-odoo}" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$db'" || true)
    if [ -n "$initialised" ]; then
        initialised=$(psql -h "${HOST:-db}" -p "${PORT:-5432}" -U "${USER:-odoo}" -d "$db" -tAc \
            "SELECT to_regclass('ir_module_module') IS NOT NULL" || true)
    fi
    if [ "$initialised" = "t" ]; then
        echo "docker_odoo: database $db exists: installing/updating $modules"
        # -i installs the addons that are new, -u updates the others; demo data comes with
        # new addons because the database was created with it.
        set -- -i "$modules" -u "$modules"
    else
        echo "docker_odoo: creating database $db with $modules and their demo data"
        set -- -i "$modules" --with-demo
    fi
    exec /entrypoint.sh odoo --addons-path="$addons_path" -d "$db" "$@" \
        --stop-after-init --max-cron-threads=0 --http-interface=0.0.0.0
    ;;
serve)
    exec /entrypoint.sh odoo --addons-path="$addons_path" -d "$db" --db-filter="^$db\$" \
        --http-interface=0.0.0.0
    ;;
serve-scaled)
    exec /entrypoint.sh odoo --addons-path="$addons_path" -d "$db" --db-filter="^$db\$" \
        --http-interface=0.0.0.0 --workers=4 --max-cron-threads=1 \
        --db_replica_host="${REPLICA_HOST:?}" --db_replica_port="${REPLICA_PORT:-5432}"
    ;;
*)
    echo "usage: docker_odoo.sh init|serve|serve-scaled" >&2
    exit 2
    ;;
esac
