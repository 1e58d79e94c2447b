#!/bin/sh
# Starts strongbox-server with the container's defaults: listen on all
# interfaces (protected mode then serves other hosts only once a password is
# set: STRONGBOX_PASSWORD), data in the /data volume, the shipped function
# libraries. /etc/strongbox/strongbox.conf is read if it is there; every
# argument given to `docker run IMAGE ...` is passed on and wins.
set -e
if [ -n "${STRONGBOX_PASSWORD:-}" ]; then
    set -- --requirepass "$STRONGBOX_PASSWORD" "$@"
fi
if [ -f /etc/strongbox/strongbox.conf ]; then
    set -- /etc/strongbox/strongbox.conf --bind 0.0.0.0 --dir /data \
        --functions-dir /usr/local/share/strongbox/scripts "$@"
else
    set -- --bind 0.0.0.0 --dir /data --functions-dir /usr/local/share/strongbox/scripts "$@"
fi
exec /usr/local/bin/strongbox-server "$@"
