#!/usr/bin/env bash
# Backup and restore of Deal Brain's database (`just backup`, `just restore FILE`).
#
#   infra/backup.sh backup [OUT]    PostgreSQL: pg_dump --format=custom  -> backups/dealbrain-TS.dump
#                                   SQLite:     sqlite3 .backup (online)  -> backups/dealbrain-TS.db
#   infra/backup.sh restore FILE    PostgreSQL: pg_restore --clean --if-exists, one transaction
#                                   SQLite:     the current file is kept as FILE.pre-restore-TS,
#                                               then sqlite3 .restore (stop `serve` first)
#
# The database is DATABASE_URL, else the file DATABASE_URL_FILE names, else DATABASE_URL in
# .env, else the embedded default sqlite://data/dealbrain.db. For the compose stack's PostgreSQL:
#   DATABASE_URL="postgres://dealbrain:$(cat infra/secrets/db_password)@127.0.0.1:5442/dealbrain" just backup
set -euo pipefail

die() { echo "error: $*" >&2; exit 1; }

database_url() {
  if [ -n "${DATABASE_URL:-}" ]; then
    printf '%s' "$DATABASE_URL"
  elif [ -n "${DATABASE_URL_FILE:-}" ]; then
    tr -d '\n' < "$DATABASE_URL_FILE"
  elif [ -f .env ] && grep -q '^DATABASE_URL=.' .env; then
    grep '^DATABASE_URL=' .env | tail -n1 | cut -d= -f2- | sed -e 's/^"//' -e 's/"$//'
  else
    printf '%s' 'sqlite://data/dealbrain.db?mode=rwc'
  fi
}

# sqlite://data/x.db?mode=rwc -> data/x.db ; sqlite:///abs/x.db -> /abs/x.db
sqlite_path() {
  local rest=${1#sqlite:}
  rest=${rest#//}
  printf '%s' "${rest%%\?*}"
}

need() { command -v "$1" >/dev/null 2>&1 || die "$1 is not installed ($2)"; }

stamp=$(date -u +%Y%m%dT%H%M%SZ)
url=$(database_url)
action=${1:-}

case "$action" in
  backup)
    out=${2:-}
    case "$url" in
      postgres://*|postgresql://*)
        need pg_dump "apt-get install postgresql-client"
        out=${out:-backups/dealbrain-$stamp.dump}
        mkdir -p "$(dirname "$out")"
        pg_dump --format=custom --no-owner --file="$out" "$url"
        ;;
      sqlite:*)
        need sqlite3 "apt-get install sqlite3"
        db=$(sqlite_path "$url")
        [ -f "$db" ] || die "no SQLite database at $db"
        out=${out:-backups/dealbrain-$stamp.db}
        mkdir -p "$(dirname "$out")"
        # .backup copies a consistent snapshot while the server keeps running (WAL included).
        sqlite3 "$db" ".backup '$out'"
        ;;
      *) die "DATABASE_URL must start with postgres:// or sqlite:" ;;
    esac
    echo "backup written to $out"
    ;;
  restore)
    file=${2:-}
    [ -n "$file" ] || die "usage: infra/backup.sh restore FILE"
    [ -f "$file" ] || die "no backup at $file"
    case "$url" in
      postgres://*|postgresql://*)
        need pg_restore "apt-get install postgresql-client"
        pg_restore --clean --if-exists --no-owner --single-transaction --exit-on-error \
          --dbname="$url" "$file"
        ;;
      sqlite:*)
        need sqlite3 "apt-get install sqlite3"
        db=$(sqlite_path "$url")
        mkdir -p "$(dirname "$db")"
        if [ -f "$db" ]; then
          sqlite3 "$db" ".backup '$db.pre-restore-$stamp'"
          echo "previous database kept as $db.pre-restore-$stamp"
        fi
        sqlite3 "$db" ".restore '$file'"
        ;;
      *) die "DATABASE_URL must start with postgres:// or sqlite:" ;;
    esac
    echo "restored $file; run \`dealbrain migrate status\` to check the schema version"
    ;;
  *)
    die "usage: infra/backup.sh backup [OUT] | restore FILE"
    ;;
esac
