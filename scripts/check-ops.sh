#!/usr/bin/env bash
# Checks the operations files with the tools operators use; exits non-zero on any failure.
# Every check runs even when an earlier one fails; the failures are listed at the end.
# Tools: infra/ops-tools.sh installs them (.ci/run calls it first).
#
#   promtool check config / check rules / test rules   infra/prometheus
#   docker compose config (default and `scaled`)       docker-compose.yml, interpolation included
#   check-jsonschema compose-spec, github-workflows    docker-compose.yml, .github/workflows/
#   hadolint                                           infra/docker/Dockerfile
#   kubernetes-validate --strict                       infra/k8s
#   nginx -t                                           infra/nginx, infra/web (hosts -> 127.0.0.1)
#   bash -n                                            shell scripts
#   infra/checks.py                                    YAML (no duplicate keys), Grafana JSON,
#                                                      metric names == infra/metrics.txt, alert
#                                                      tests, otel pipelines, compose structure,
#                                                      k8s references, Justfile recipes
#   infra/backup.sh                                    SQLite backup/restore round trip; PostgreSQL
#                                                      too when 127.0.0.1:5432 answers
set -uo pipefail
cd "$(dirname "$0")/.."

OPS_TOOLS_DIR=${OPS_TOOLS_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/dealbrain-ops}
failed=()
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

step() { # name, command...
  local name=$1; shift
  echo "--- ops: $name"
  if ! "$@"; then
    echo "FAILED: $name" >&2
    failed+=("$name")
  fi
}
require() {
  command -v "$1" >/dev/null 2>&1 || { echo "FATAL: $1 is missing: run bash infra/ops-tools.sh" >&2; exit 1; }
}

require promtool
require python3
require hadolint
require check-jsonschema
require kubernetes-validate
python3 -c 'import yaml' 2>/dev/null || { echo "FATAL: PyYAML is missing: run bash infra/ops-tools.sh" >&2; exit 1; }
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
else
  echo "FATAL: docker compose is missing: run bash infra/ops-tools.sh" >&2; exit 1
fi
if command -v nginx >/dev/null 2>&1; then
  nginx_bin=$(command -v nginx)
elif [ -x "$OPS_TOOLS_DIR/nginx/usr/sbin/nginx" ]; then
  nginx_bin=$OPS_TOOLS_DIR/nginx/usr/sbin/nginx
else
  echo "FATAL: nginx is missing: run bash infra/ops-tools.sh" >&2; exit 1
fi

# --- Prometheus
step "promtool check config" promtool check config infra/prometheus/prometheus.yml
step "promtool check rules" promtool check rules infra/prometheus/rules/*.yml
step "promtool test rules" promtool test rules infra/prometheus/tests/*.yml

# --- compose: the real parser (merges anchors, interpolates, validates), both profiles. The
# secret files are generated (git-ignored), so stand-ins are used when they are absent.
compose_config() { # out, extra args...
  local out=$1; shift
  "${compose[@]}" -f docker-compose.yml "$@" config --format json >"$out"
}
made_secrets=()
for s in db_password database_url secret_key grafana_admin_password; do
  if [ ! -e "infra/secrets/$s" ]; then
    echo "stand-in" >"infra/secrets/$s"
    made_secrets+=("infra/secrets/$s")
  fi
done
step "docker compose config" compose_config "$tmp/compose.json"
step "docker compose --profile scaled config" compose_config "$tmp/compose-scaled.json" --profile scaled
for s in "${made_secrets[@]}"; do rm -f "$s"; done
step "compose-spec schema" check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml
step "github-workflows schema" check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

# --- images and manifests
step "hadolint" hadolint infra/docker/Dockerfile
k8s_validate() {
  local out
  out=$(kubernetes-validate --strict --quiet infra/k8s/*.yaml 2>&1)
  local rc=$?
  # Kustomization is not a cluster object: no schema for it, which is expected.
  out=$(printf '%s\n' "$out" | grep -v "Couldn't find schema for kind Kustomization" | grep -v '^$')
  [ -n "$out" ] && printf '%s\n' "$out"
  [ "$rc" = 0 ] && ! printf '%s\n' "$out" | grep -qE 'ERROR|FAIL|WARN'
}
step "kubernetes-validate --strict" k8s_validate

# --- nginx configs, with the compose service names pointed at localhost so `nginx -t` can
# resolve them.
nginx_test() { # conf file
  local dir="$tmp/nginx-$(basename "$(dirname "$1")")"
  mkdir -p "$dir"
  sed -E 's/\b(api|api-replica):8000/127.0.0.1:8000/g' "$1" >"$dir/site.conf"
  cat >"$dir/nginx.conf" <<NGINX
pid $dir/nginx.pid;
error_log stderr;
events {}
http {
  client_body_temp_path $dir/body; proxy_temp_path $dir/proxy; fastcgi_temp_path $dir/fcgi;
  uwsgi_temp_path $dir/uwsgi; scgi_temp_path $dir/scgi;
  access_log off;
  include $dir/site.conf;
}
NGINX
  "$nginx_bin" -t -q -p "$dir" -c "$dir/nginx.conf" -e stderr
}
step "nginx -t infra/nginx (scaled lb)" nginx_test infra/nginx/default.conf
step "nginx -t infra/web" nginx_test infra/web/default.conf

# --- scripts
step "bash -n" bash -c 'for f in scripts/*.sh infra/*.sh .ci/run; do bash -n "$f" || exit 1; done'

# --- structure, metrics contract, dashboards
step "yaml" python3 infra/checks.py yaml
step "grafana dashboards" python3 infra/checks.py dashboards
step "metric names == infra/metrics.txt" python3 infra/checks.py metrics
step "every alert has a rule test" python3 infra/checks.py alerts
step "otel collector pipelines" python3 infra/checks.py otel
step "kubernetes references" python3 infra/checks.py k8s
step "Justfile recipes" python3 infra/checks.py just
if [ -s "$tmp/compose.json" ]; then
  step "compose services" python3 infra/checks.py compose "$tmp/compose.json"
fi
if [ -s "$tmp/compose-scaled.json" ]; then
  step "compose scaled profile" python3 infra/checks.py compose "$tmp/compose-scaled.json" scaled
fi

# --- backup/restore round trips
backup_sqlite() {
  command -v sqlite3 >/dev/null 2>&1 || { echo "sqlite3 is missing" >&2; return 1; }
  local d="$tmp/bk-sqlite" url
  mkdir -p "$d" && url="sqlite://$d/db.sqlite?mode=rwc"
  sqlite3 "$d/db.sqlite" 'create table t(x); insert into t values (1), (2);' &&
    DATABASE_URL=$url bash infra/backup.sh backup "$d/b.db" >/dev/null &&
    sqlite3 "$d/db.sqlite" 'insert into t values (3);' &&
    DATABASE_URL=$url bash infra/backup.sh restore "$d/b.db" >/dev/null &&
    [ "$(sqlite3 "$d/db.sqlite" 'select count(*) from t')" = 2 ]
}
step "backup/restore SQLite" backup_sqlite
if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432 -U postgres 2>/dev/null; then
  backup_pg() {
    local db="ops_backup_check_$$" admin="postgres://postgres@127.0.0.1:5432/postgres" url rc
    url="postgres://postgres@127.0.0.1:5432/$db"
    psql -q "$admin" -c "create database $db" || return 1
    psql -q "$url" -c 'create table t(x int); insert into t values (1), (2);' &&
      DATABASE_URL=$url bash infra/backup.sh backup "$tmp/pg.dump" >/dev/null &&
      psql -q "$url" -c 'insert into t values (3);' &&
      DATABASE_URL=$url bash infra/backup.sh restore "$tmp/pg.dump" >/dev/null &&
      [ "$(psql -tA "$url" -c 'select count(*) from t')" = 2 ]
    rc=$?
    psql -q "$admin" -c "drop database if exists $db"
    return $rc
  }
  step "backup/restore PostgreSQL" backup_pg
else
  echo "--- ops: backup/restore PostgreSQL skipped (no server on 127.0.0.1:5432)"
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "ops checks FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "ops checks passed"
