#!/usr/bin/env bash
# Install (or update) the member handlers on an Odoo 19 IoT box over SSH.
#
#   iot_drivers/install.sh [options] [user@]box-host
#
# Copies iot_drivers/iot_handlers/{drivers,interfaces}/member_*.py into the
# box's own handler folders, and member_base/tools/card_data.py (with the
# phone.py it loads) into drivers/member_card_tools/, where the reader driver
# loads it by path: the box runs the very normaliser the Odoo server runs.
# Idempotent: files are compared by SHA-256 and only a change is copied
# (member_* files the repository no longer has are removed); the box's Odoo
# is restarted only after a change. Re-run it after every box update: the
# box deletes hand-copied handlers when it downloads handlers from a
# database or changes branch.
#
# Options:
#   --box-odoo DIR   the box's Odoo source folder (default /home/pi/odoo)
#   --port N         the box's Odoo HTTP port, for the check (default 8069)
#   --restart        restart the box's Odoo even when nothing changed
#   --no-restart     never restart it (the handlers load at the next start)
#   --no-check       do not check that the routes answer afterwards
#   --dry-run        say what would change, change nothing
# Environment:
#   MEMBER_IOT_SECRET  the box's shared secret: the check then also calls
#                      /member_iot/status with it and prints the devices
#   MEMBER_IOT_SSH     the ssh command (default "ssh"; e.g. "ssh -p 2222")
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
BOX_ODOO=/home/pi/odoo
PORT=8069
RESTART=auto
CHECK=1
DRY_RUN=0
HOST=""
read -r -a SSH <<<"${MEMBER_IOT_SSH:-ssh}"

usage() { sed -n "2,26p" "$0" | sed 's/^# \{0,1\}//'; }
say() { printf '[member-iot] %s\n' "$*"; }
die() { printf '[member-iot] ERROR: %s\n' "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case "$1" in
        --box-odoo) BOX_ODOO=${2:?--box-odoo needs a folder}; shift 2 ;;
        --port) PORT=${2:?--port needs a number}; shift 2 ;;
        --restart) RESTART=yes; shift ;;
        --no-restart) RESTART=no; shift ;;
        --no-check) CHECK=0; shift ;;
        --dry-run) DRY_RUN=1; shift ;;
        -h|--help) usage; exit 0 ;;
        -*) die "unknown option $1 (see --help)" ;;
        *) [ -z "$HOST" ] || die "one box at a time"; HOST=$1; shift ;;
    esac
done
[ -n "$HOST" ] || { usage; exit 2; }

DEST="$BOX_ODOO/addons/iot_drivers/iot_handlers"
on_box() { "${SSH[@]}" "$HOST" "$@"; }

# --- what goes to the box ----------------------------------------------------
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/files/drivers/member_card_tools" "$STAGE/files/interfaces"
cp "$HERE"/iot_handlers/drivers/member_*.py "$STAGE/files/drivers/"
cp "$HERE"/iot_handlers/interfaces/member_*.py "$STAGE/files/interfaces/"
TOOLS="$REPO/member_base/tools"
# card_data.py and the siblings it loads by path (phone.py today)
for tool in card_data $(grep -o '_load_sibling("[a-z_]*")' "$TOOLS/card_data.py" \
        | sed 's/.*("\(.*\)")/\1/' | sort -u); do
    cp "$TOOLS/$tool.py" "$STAGE/files/drivers/member_card_tools/"
done
(cd "$STAGE/files" && find drivers interfaces -type f -name '*.py' | LC_ALL=C sort \
    | xargs sha256sum) >"$STAGE/local.sums"

# --- what the box has ----------------------------------------------------------
on_box "test -d '$DEST/drivers' && test -d '$DEST/interfaces'" \
    || die "$HOST has no $DEST: not an Odoo 19 IoT box, or pass --box-odoo"
on_box "cd '$DEST' && find drivers interfaces -type f -path '*/member_*' -name '*.py' \
    | LC_ALL=C sort | xargs -r sha256sum" >"$STAGE/remote.sums"
# Odoo 19's box images ship these (pyserial, python-escpos 3.1, Pillow)
on_box "python3 -c 'import serial, escpos.printer, PIL'" >/dev/null 2>&1 \
    || say "WARNING: $HOST lacks pyserial, python-escpos or Pillow: the printers will not load"

CHANGED=0
if cmp -s "$STAGE/local.sums" "$STAGE/remote.sums"; then
    say "$HOST: the member handlers are up to date"
else
    CHANGED=1
    awk '{print $2}' "$STAGE/local.sums" >"$STAGE/local.list"
    awk '{print $2}' "$STAGE/remote.sums" >"$STAGE/remote.list"
    STALE=$(LC_ALL=C comm -13 "$STAGE/local.list" "$STAGE/remote.list" | tr '\n' ' ')
    LC_ALL=C sort "$STAGE/local.sums" >"$STAGE/local.sorted"
    LC_ALL=C sort "$STAGE/remote.sums" >"$STAGE/remote.sorted"
    NEW=$(LC_ALL=C comm -23 "$STAGE/local.sorted" "$STAGE/remote.sorted" | awk '{print $2}' \
        | LC_ALL=C sort | tr '\n' ' ')
    say "$HOST: to copy: ${NEW:-nothing}"
    [ -z "$STALE" ] || say "$HOST: to remove: $STALE"
    if [ "$DRY_RUN" = 1 ]; then
        say "dry run: nothing changed"
        exit 0
    fi
    tar -C "$STAGE/files" -cf - drivers interfaces | on_box "tar -C '$DEST' -xf -"
    if [ -n "$STALE" ]; then
        on_box "cd '$DEST' && rm -f $STALE"
    fi
    on_box "cd '$DEST' && find drivers interfaces -type f -path '*/member_*' -name '*.py' \
        | LC_ALL=C sort | xargs -r sha256sum" >"$STAGE/remote.sums"
    cmp -s "$STAGE/local.sums" "$STAGE/remote.sums" || die "the copy on $HOST differs"
    say "$HOST: member handlers installed in $DEST"
fi
[ "$DRY_RUN" = 0 ] || exit 0

# --- restart and check ---------------------------------------------------------
if [ "$RESTART" = yes ] || { [ "$RESTART" = auto ] && [ "$CHANGED" = 1 ]; }; then
    say "$HOST: restarting the box's Odoo (handlers load at start)"
    on_box "sudo systemctl restart odoo" || die "could not restart Odoo on $HOST"
fi
[ "$CHECK" = 1 ] || exit 0

rpc() {  # rpc PATH PARAMS-JSON: JSON-RPC call made on the box itself
    on_box "curl -s -m 5 -H 'Content-Type: application/json' \
        -d '{\"jsonrpc\": \"2.0\", \"method\": \"call\", \"params\": $2}' \
        http://127.0.0.1:$PORT$1" || true
}
PARAMS='{}'
[ -z "${MEMBER_IOT_SECRET:-}" ] || PARAMS="{\"secret\": \"$MEMBER_IOT_SECRET\"}"
ANSWER=""
for _ in $(seq 30); do
    ANSWER=$(rpc /hw_proxy/handshake "$PARAMS")
    [ -z "$ANSWER" ] || break  # Odoo answers (it may still be starting after a restart)
    sleep 2
done
case "$ANSWER" in
    *'"result": true'*) say "$HOST: loaded; the handshake accepts the secret" ;;
    *'"code": 403'*)
        if [ -n "${MEMBER_IOT_SECRET:-}" ]; then
            die "$HOST: loaded, but the secret differs from [member_iot] secret of its odoo.conf"
        fi
        say "$HOST: loaded (the routes ask for the secret; set MEMBER_IOT_SECRET to check it)"
        ;;
    *) on_box "grep -h 'Unable to load handler file: member_' /var/log/odoo/odoo-server.log \
            2>/dev/null | tail -3" || true
       die "$HOST: /hw_proxy/handshake does not answer: the handlers are not loaded" ;;
esac
if [ -n "${MEMBER_IOT_SECRET:-}" ]; then
    say "$HOST: devices: $(rpc /member_iot/status "$PARAMS")"
fi
