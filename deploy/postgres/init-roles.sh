#!/bin/sh
# The compose kit's PostgreSQL container, first start only: create the portal's roles and database with the
# passwords from the secret files (never from the environment of other containers).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     -v owner_password="$(cat /run/secrets/owner_password)" \
     -v app_password="$(cat /run/secrets/app_password)" \
     -f /opt/portal/roles.sql
