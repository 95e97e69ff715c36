#!/usr/bin/env bash
# Builds the server, applies migrations, ensures the demo tenant and admin
# (printing the console URL and credentials), then serves the HTTP API and
# runs the worker in one process. Extra arguments go to `manifold run`.
# Needs DATABASE_URL and REDIS_URL: run it through scripts/with-services.sh.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
: "${DATABASE_URL:?is not set: run through scripts/with-services.sh (make run)}"
: "${REDIS_URL:?is not set: run through scripts/with-services.sh (make run)}"
GO=${GO:-go}

"$GO" build -o bin/manifold ./server/cmd/manifold
# Credentials of channel and carrier accounts are sealed with this key. A
# development instance keeps one under .local; production sets its own.
if [ -z "${MANIFOLD_SECRET_KEY:-}" ]; then
  if [ ! -s .local/secret.key ]; then
    mkdir -p .local
    (umask 077 && bin/manifold key generate > .local/secret.key)
  fi
  MANIFOLD_SECRET_KEY=$(cat .local/secret.key)
  export MANIFOLD_SECRET_KEY
fi
bin/manifold migrate up
bin/manifold demo
exec bin/manifold run --demo "$@"
