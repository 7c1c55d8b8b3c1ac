# Deal Brain developer tasks. `just --list` shows them. (Install just with `pip install rust-just`
# or `cargo install just`.)

set shell := ["bash", "-euo", "pipefail", "-c"]

# List the tasks.
default:
    @just --list

# Fetch dependencies, build everything once and create .env from .env.example if it is missing.
setup:
    cargo fetch --locked
    cargo build --workspace --locked
    @if [ ! -f .env ]; then cp .env.example .env && echo "created .env from .env.example"; fi

# The README's run command: API, GraphiQL, the board at / and the worker in one process (SQLite, in-process queue).
run *args:
    cargo run --release -p app -- serve {{args}}

# The API alone (dev build) on DATABASE_URL/REDIS_URL from the environment or .env.
api *args:
    cargo run -p app -- serve {{args}}

# One recalculation worker (dev build) on DATABASE_URL/REDIS_URL; metrics on WORKER_METRICS_PORT.
worker *args:
    cargo run -p app -- worker {{args}}

# The board's compose route on http://localhost:3020 (nginx in front of the api, which serves the board at /).
web: secrets
    docker compose up -d --build web
    @echo "board: http://localhost:3020  (also served by the api itself at http://localhost:8020/)"

# The README's test command: every test of the workspace.
test:
    bash scripts/test.sh

# Formatting and lints exactly as CI runs them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets --locked -- -D warnings

# Format the code.
fmt:
    cargo fmt --all

# Everything CI runs (services, fmt, clippy, tests).
ci:
    bash .ci/run

# Run the engine acceptance cases of FILE (default: the shared cases).
check-cases file="crates/domain/tests/data/engine-cases.json":
    cargo run --release -p app -- check-cases {{file}}

# All benchmarks.
bench: bench-engine bench-store bench-api bench-live bench-import

# Engine throughput on the shared workload (1k/10k/100k listings) and peak RSS at 100k.
bench-engine:
    cargo bench -p domain --bench engine

# Store throughput on PostgreSQL (and SQLite): bulk valuation writes of 100k listings, keyset page latency.
bench-store:
    cargo bench -p store --bench store

# Live path on PostgreSQL + Redis (real processes): 100k-listing recalculation, commit→subscriber latency, 10k subscribers; figures in crates/app/README.md.
bench-live:
    ulimit -n "$(ulimit -Hn)" && cargo bench -p app --bench live --profile release

# API load benchmark: the board query (50 listings, all edges + breakdown) on N seeded listings in PostgreSQL (BENCH_DATABASE_URL), loopback clients; figures in crates/api/README.md.
bench-api listings="100000" concurrency="32" secs="20":
    #!/usr/bin/env bash
    set -euo pipefail
    db="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/dealbrain_bench}"
    name="${db##*/}"
    admin="${db%/*}/postgres"
    psql "$admin" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1 \
        || psql "$admin" -c "CREATE DATABASE \"$name\"" >/dev/null
    cargo build --release -p app --bin dealbrain
    cargo build --release -p api --example bench_api
    bin="${CARGO_TARGET_DIR:-target}/release"
    DATABASE_URL="$db" "$bin/dealbrain" seed --listings {{listings}}
    log="$(mktemp)"
    port="${BENCH_API_PORT:-8090}"
    # The rate limiter would answer 429 to one IP sending thousands of requests a second.
    DATABASE_URL="$db" API_HOST=127.0.0.1 API_PORT="$port" API_RATE_PER_SECOND=1000000 \
        API_RATE_BURST=1000000 RUST_LOG="warn,dealbrain::serve=info" "$bin/dealbrain" serve --no-seed >"$log" 2>&1 &
    server=$!
    trap 'kill $server 2>/dev/null || true; rm -f "$log"' EXIT
    for _ in $(seq 60); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 1; done
    # `seed` writes listings without valuations and `serve --no-seed` does not value them: ask for
    # one recalculation job (the in-process worker runs it) and measure only once it is done.
    unvalued() { psql "$db" -tAc "SELECT count(*) FROM listings WHERE valued_at IS NULL AND status IN ('active', 'pending')"; }
    if [ "$(unvalued)" != 0 ]; then
        token="$(DATABASE_URL="$db" "$bin/dealbrain" token create --role admin --name "bench-api-$(date +%s)" | grep -o 'dbk_[A-Za-z0-9_-]*' | head -1)"
        curl -sf -H "authorization: Bearer $token" -H 'content-type: application/json' \
            -d '{"query":"mutation { enqueueRecalculation(scope: ALL) }"}' "http://127.0.0.1:$port/graphql" >/dev/null
    fi
    for _ in $(seq 1800); do
        [ "$(unvalued)" = 0 ] && break
        kill -0 $server 2>/dev/null || { cat "$log"; exit 1; }
        sleep 1
    done
    [ "$(unvalued)" = 0 ] || { echo "listings were not valued in 30 min"; exit 1; }
    psql "$db" -c "VACUUM ANALYZE listings" >/dev/null
    "$bin/examples/bench_api" --url "http://127.0.0.1:$port/graphql" --concurrency {{concurrency}} --secs {{secs}}

# Apply (or `down`/`status`) database migrations on DATABASE_URL (default: data/dealbrain.db).
migrate action="up":
    cargo run -p app -- migrate {{action}}

# Load the sample data idempotently (N generated listings).
seed listings="500":
    cargo run -p app -- seed --listings {{listings}}

# Export the GraphQL SDL to schema/schema.graphql (a test fails when it differs from the code).
schema:
    cargo run -p app -- schema

# Write the missing compose secrets in infra/secrets/ (random values; git-ignored).
secrets:
    #!/usr/bin/env bash
    set -euo pipefail
    dir=infra/secrets
    rand() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }
    [ -f "$dir/db_password" ] || { rand > "$dir/db_password"; rm -f "$dir/database_url"; echo "wrote $dir/db_password"; }
    if [ ! -f "$dir/database_url" ]; then
        printf 'postgres://dealbrain:%s@db:5432/dealbrain' "$(cat "$dir/db_password")" > "$dir/database_url"
        echo "wrote $dir/database_url"
    fi
    [ -f "$dir/secret_key" ] || { rand > "$dir/secret_key"; echo "wrote $dir/secret_key"; }
    [ -f "$dir/grafana_admin_password" ] || { rand > "$dir/grafana_admin_password"; echo "wrote $dir/grafana_admin_password"; }
    # Compose bind-mounts secrets with host permissions; the containers run as non-root users.
    chmod 0644 "$dir"/db_password "$dir"/database_url "$dir"/secret_key "$dir"/grafana_admin_password

# Start the full stack (db, redis, api, worker, web, otel-collector, prometheus, grafana); e.g. `just up --profile scaled`.
up *flags: secrets
    docker compose {{flags}} up -d --build
    @echo "api http://localhost:8020  board http://localhost:3020  prometheus http://localhost:9090  grafana http://localhost:3021 (admin / infra/secrets/grafana_admin_password)"

# Stop the stack, scaled profile included (`just down -v` also deletes its volumes).
down *flags:
    docker compose --profile scaled down {{flags}}

# Follow the stack's logs (all services, or the ones named: `just logs api worker`).
logs *services:
    docker compose --profile scaled logs -f --tail=200 {{services}}

# Back up DATABASE_URL: pg_dump (custom format) for PostgreSQL, sqlite3 .backup for SQLite, into backups/ (or OUT).
backup out="":
    bash infra/backup.sh backup {{out}}

# Restore FILE into DATABASE_URL: pg_restore --clean in one transaction, or sqlite3 .restore (keeps the old file; stop serve first).
restore file:
    bash infra/backup.sh restore {{file}}

# Build the api and worker images (infra/docker/Dockerfile targets).
images tag="local":
    docker build -f infra/docker/Dockerfile --target api -t dealbrain-api:{{tag}} .
    docker build -f infra/docker/Dockerfile --target worker -t dealbrain-worker:{{tag}} .

# Check the operations files: promtool, compose, hadolint, k8s schemas, nginx -t, dashboards, metric names.
check-ops:
    bash scripts/check-ops.sh

# Import benchmark: 2,000 CPUs + 50,000 listing rows, preview and commit on PostgreSQL, peak RSS.
bench-import:
    cargo run --release -p transfer --example bench_import
