#!/bin/sh
# Start of every container of the portal image: an empty folder for the workers' metrics, the static files
# copied where nginx reads them, then the command (gunicorn, rq worker, the scheduler, or a flask command).
set -eu
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
    rm -rf "$PROMETHEUS_MULTIPROC_DIR"
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
if [ -d /var/lib/portal/static ] && [ -w /var/lib/portal/static ]; then
    cp -a /opt/portal/app/portal/static/. /var/lib/portal/static/
fi
exec "$@"
