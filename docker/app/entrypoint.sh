#!/bin/sh
# Names this replica in its log lines and spans (as `make up` does with bank-1, bank-2): the container's hostname.
set -e
export WALLET_REPLICA="${WALLET_REPLICA:-$(hostname)}"
export OTEL_RESOURCE_ATTRIBUTES="${OTEL_RESOURCE_ATTRIBUTES:-service.instance.id=$WALLET_REPLICA}"
exec "$@"
