#!/usr/bin/env bash
# Installs what scripts/check-ops.sh needs, when it is missing, and fails loudly when it cannot:
#   promtool             Debian's `prometheus` package (apt-get, as root)
#   python tools         infra/ops-requirements.txt (PyYAML, docker compose, hadolint,
#                        check-jsonschema, kubernetes-validate) with pip
#   nginx (for nginx -t) Debian's `nginx` package unpacked into $OPS_TOOLS_DIR, never installed
#                        as a service
# Called by .ci/run; run it by hand once before `just check-ops`.
set -euo pipefail
cd "$(dirname "$0")/.."

OPS_TOOLS_DIR=${OPS_TOOLS_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/dealbrain-ops}
fatal() { echo "FATAL: $*" >&2; exit 1; }
apt_updated=0
apt_update() {
  if [ "$apt_updated" = 0 ]; then
    apt-get update -qq || fatal "apt-get update failed"
    apt_updated=1
  fi
}

if ! command -v promtool >/dev/null 2>&1; then
  echo "installing promtool (Debian package prometheus)"
  command -v apt-get >/dev/null 2>&1 || fatal "promtool is missing and apt-get is not available"
  apt_update
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null \
    || fatal "apt-get install prometheus failed: promtool is required"
  command -v promtool >/dev/null 2>&1 || fatal "promtool still missing after installing prometheus"
fi

python3 -c 'import sys; assert sys.version_info >= (3, 8)' || fatal "python3 (3.8+) is required"
missing=0
python3 -c 'import yaml' 2>/dev/null || missing=1
for tool in hadolint check-jsonschema kubernetes-validate; do
  command -v "$tool" >/dev/null 2>&1 || missing=1
done
if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null 2>&1; then
  missing=1
fi
if [ "$missing" = 1 ]; then
  echo "installing python tools (infra/ops-requirements.txt)"
  python3 -m pip install --quiet --disable-pip-version-check -r infra/ops-requirements.txt \
    || fatal "pip install -r infra/ops-requirements.txt failed"
  hash -r
  command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
fi

if ! command -v nginx >/dev/null 2>&1 && [ ! -x "$OPS_TOOLS_DIR/nginx/usr/sbin/nginx" ]; then
  echo "unpacking nginx into $OPS_TOOLS_DIR (for nginx -t)"
  command -v apt-get >/dev/null 2>&1 || fatal "nginx is missing and apt-get is not available"
  apt_update
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download nginx >/dev/null 2>&1) || fatal "apt-get download nginx failed"
  mkdir -p "$OPS_TOOLS_DIR/nginx"
  dpkg -x "$tmp"/nginx_*.deb "$OPS_TOOLS_DIR/nginx" || fatal "dpkg -x nginx failed"
  rm -rf "$tmp"
fi
echo "ops tools ready"
