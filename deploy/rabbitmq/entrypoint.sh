#!/bin/sh
# docker-compose only: build the definitions file RabbitMQ imports at boot
# (/etc/rabbitmq/definitions.json, see rabbitmq.conf) from the generated topology
# (/etc/rabbitmq/topology.json = deploy/rabbitmq/definitions.json, mounted read-only) plus
# the application user, whose name and password come from the environment. Then start
# the image's own entrypoint.
set -eu

: "${RABBITMQ_APP_USER:?set RABBITMQ_APP_USER}"
: "${RABBITMQ_APP_PASSWORD:?set RABBITMQ_APP_PASSWORD}"
case "$RABBITMQ_APP_USER$RABBITMQ_APP_PASSWORD" in
  *[!A-Za-z0-9._-]*) echo "RABBITMQ_APP_USER/PASSWORD: use letters, digits, . _ - only" >&2; exit 64 ;;
esac

topology=/etc/rabbitmq/topology.json
target=/etc/rabbitmq/definitions.json
[ "$(head -n 1 "$topology")" = "{" ] || { echo "$topology: expected a JSON object" >&2; exit 65; }

umask 077
{
  printf '{\n  "users": [{"name": "%s", "password": "%s", "tags": "administrator"}],\n' \
    "$RABBITMQ_APP_USER" "$RABBITMQ_APP_PASSWORD"
  printf '  "permissions": [{"user": "%s", "vhost": "/", "configure": ".*", "write": ".*", "read": ".*"}],\n' \
    "$RABBITMQ_APP_USER"
  tail -n +2 "$topology"
} > "$target"
chown rabbitmq:rabbitmq "$target" 2>/dev/null || true

exec docker-entrypoint.sh "$@"
