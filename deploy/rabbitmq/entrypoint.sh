#!/bin/sh
# docker-compose only: build the definitions file RabbitMQ imports at boot
# (/etc/rabbitmq/definitions.json, see rabbitmq.conf) from the generated topology
# (/etc/rabbitmq/topology.json = deploy/rabbitmq/definitions.json) and the generated
# per-service permissions (/etc/rabbitmq/permissions.json = deploy/rabbitmq/permissions.json),
# both mounted read-only, plus one user per service (inventory, renovation, volunteer, notify) whose
# password comes from the environment (RABBITMQ_<SERVICE>_PASSWORD). No user has a tag
# (no management, no administrator); a node that imports definitions at boot creates no
# default `guest` user. Then start the image's own entrypoint.
set -eu

services="inventory renovation volunteer notify"
users=""
for svc in $services; do
  var="RABBITMQ_$(echo "$svc" | tr '[:lower:]' '[:upper:]')_PASSWORD"
  eval "password=\${$var:-}"
  [ -n "$password" ] || { echo "set $var" >&2; exit 64; }
  case "$password" in
    *[!A-Za-z0-9._-]*) echo "$var: use letters, digits, . _ - only" >&2; exit 64 ;;
  esac
  users="$users${users:+,}
    {\"name\": \"$svc\", \"password\": \"$password\", \"tags\": \"\"}"
done

topology=/etc/rabbitmq/topology.json
permissions=/etc/rabbitmq/permissions.json
target=/etc/rabbitmq/definitions.json
[ "$(head -n 1 "$topology")" = "{" ] || { echo "$topology: expected a JSON object" >&2; exit 65; }
[ "$(head -n 1 "$permissions")" = "[" ] || { echo "$permissions: expected a JSON array" >&2; exit 65; }

umask 077
{
  printf '{\n  "users": [%s\n  ],\n  "permissions": ' "$users"
  cat "$permissions"
  printf ',\n'
  tail -n +2 "$topology"
} > "$target"
chown rabbitmq:rabbitmq "$target" 2>/dev/null || true

exec docker-entrypoint.sh "$@"
