#!/bin/sh
# Container initialisation (/docker-entrypoint-initdb.d): include the tuning
# file mounted at /etc/postgresql/manifold.conf. Runs once, on a new volume.
set -eu
echo "include_if_exists = '/etc/postgresql/manifold.conf'" >>"$PGDATA/postgresql.conf"
