# Deal Brain developer tasks. `just --list` shows them. (Install just with `pip install rust-just`
# or `cargo install just`.)

set shell := ["bash", "-euo", "pipefail", "-c"]

# List the tasks.
default:
    @just --list

# Fetch dependencies and build everything once.
setup:
    cargo fetch --locked
    cargo build --workspace --locked

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
bench: bench-engine bench-store

# Engine throughput on the shared workload (1k/10k/100k listings) and peak RSS at 100k.
bench-engine:
    cargo bench -p domain --bench engine

# Store throughput on PostgreSQL (and SQLite): bulk valuation writes of 100k listings, keyset page latency.
bench-store:
    cargo bench -p store --bench store

# Apply (or `down`/`status`) database migrations on DATABASE_URL (default: data/dealbrain.db).
migrate action="up":
    cargo run -p app -- migrate {{action}}

# Load the sample data idempotently (N generated listings).
seed listings="500":
    cargo run -p app -- seed --listings {{listings}}
