#!/bin/sh
# The server in the foreground, its `default` user's password (SHA-256) from CLICKHOUSE_PASSWORD_FILE (a Docker
# secret) or CLICKHOUSE_PASSWORD, its address and ports from the environment.
set -eu
password="${CLICKHOUSE_PASSWORD:-$(cat "$CLICKHOUSE_PASSWORD_FILE")}"
sha256=$(printf '%s' "$password" | sha256sum | cut -d' ' -f1)
root=/var/lib/clickhouse
mkdir -p "$root/data/tmp" "$root/data/user_files" "$root/data/format_schemas" "$root/logs"
sed "s/@PASSWORD_SHA256@/$sha256/" /etc/wallet-clickhouse/users.xml.template > "$root/users.xml"
sed -e "s/@LISTEN_HOST@/$CLICKHOUSE_LISTEN_HOST/" -e "s/@HTTP_PORT@/$CLICKHOUSE_HTTP_PORT/" \
    -e "s/@TCP_PORT@/$CLICKHOUSE_TCP_PORT/" /etc/wallet-clickhouse/config.xml > "$root/config.xml"
cd "$root"
exec /usr/sbin/clickhouse-server --config-file="$root/config.xml"
