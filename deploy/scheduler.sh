#!/bin/sh
# The periodic work of an installation without systemd timers (the compose kit's `scheduler` service).
# On a plain server the systemd timers in deploy/systemd do the same. Every line logs what it did.
#   every PORTAL_TICK_SECONDS (300): the commands in PORTAL_TICK_COMMANDS (e.g. ticket escalation)
#   once a day at PORTAL_DAILY_AT (02:30, server time): backup create (keeps PORTAL_BACKUP_KEEP_DAYS), tenants purge
set -u
tick="${PORTAL_TICK_SECONDS:-300}"
daily_at="${PORTAL_DAILY_AT:-02:30}"
last_day=""
while true; do
    for command in ${PORTAL_TICK_COMMANDS:-}; do
        flask --app wsgi $(echo "$command" | tr ':' ' ') || echo "scheduler: $command failed" >&2
    done
    now_day="$(date +%F)"
    if [ "$(date +%H:%M)" \> "$daily_at" ] && [ "$now_day" != "$last_day" ]; then
        flask --app wsgi backup create || echo "scheduler: backup failed" >&2
        flask --app wsgi tenants purge || echo "scheduler: purge failed" >&2
        last_day="$now_day"
    fi
    sleep "$tick"
done
