#!/bin/bash
# docker-compose only: run once by the postgres image on an empty data directory
# (/docker-entrypoint-initdb.d). One database per service, each owned by its own login
# role; the passwords come from the environment (<SERVICE>_DB_PASSWORD).
set -euo pipefail

for svc in inventory renovation volunteer identity notify; do
  var="${svc^^}_DB_PASSWORD"
  password="${!var:?set $var}"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
       -v svc="$svc" -v password="$password" <<'SQL'
CREATE ROLE :"svc" LOGIN PASSWORD :'password';
CREATE DATABASE :"svc" OWNER :"svc";
REVOKE ALL ON DATABASE :"svc" FROM PUBLIC;
SQL
  echo "init-databases: database $svc owned by role $svc"
done
