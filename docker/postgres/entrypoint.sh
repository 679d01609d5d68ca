#!/bin/sh
# First start: initdb, then (single-user mode, before anything listens) the application role and its databases.
# The role's password is set again on every start from POSTGRES_PASSWORD_FILE (or POSTGRES_PASSWORD), as `make up` does.
set -eu
password="${POSTGRES_PASSWORD:-$(cat "$POSTGRES_PASSWORD_FILE")}"
quoted=$(printf '%s' "$password" | sed "s/'/''/g")
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    initdb -D "$PGDATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    # any address of the container network, by password (scram), for queries and for Debezium's replication
    printf 'host all all all scram-sha-256\nhost replication all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
    {
        echo "CREATE ROLE \"$POSTGRES_USER\" LOGIN REPLICATION;"
        for database in $POSTGRES_DATABASES; do echo "CREATE DATABASE \"$database\" OWNER \"$POSTGRES_USER\";"; done
    } | postgres --single -D "$PGDATA" postgres >/dev/null
fi
echo "ALTER ROLE \"$POSTGRES_USER\" PASSWORD '$quoted';" | postgres --single -D "$PGDATA" postgres >/dev/null
exec "$@"
