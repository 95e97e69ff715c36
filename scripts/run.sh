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
bin/manifold migrate up
bin/manifold demo
exec bin/manifold run "$@"
