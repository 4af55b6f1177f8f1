#!/usr/bin/env bash
# Stands in for ssh in tests/test_iot_install.py: drops the host and runs the
# command on this machine; a restart is only logged, curl answers what
# $FAKE_BOX_ANSWER holds.
shift
case "$*" in
    *"systemctl restart"*) echo "restart" >>"$FAKE_BOX_LOG"; exit 0 ;;
    *curl*) printf '%s' "${FAKE_BOX_ANSWER:-}"; exit 0 ;;
esac
exec bash -c "$*"
