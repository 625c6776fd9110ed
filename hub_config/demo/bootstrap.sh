#!/usr/bin/env bash
# Install everything panhub's demo and tests need on a fresh Debian 12 machine, as root.
# Idempotent: each step is skipped when its result is already there.
#   - Debian packages: SLURM (slurmctld, slurmd, client), munge, sudo, bubblewrap, acl,
#     PostgreSQL 15 (the production profile's databases, the tests' PostgreSQL peers),
#     the linter for shell scripts (make lint),
#     chromium (browser tests), Node.js + npm (configurable-http-proxy), a C compiler
#     (sasmodels compiles its models on the node the SAXS kernel runs on)
#   - a world-readable venv at $PANHUB_VENV built from Debian's /usr/bin/python3
#     (user jobs run from it, so it must not live in root's home)
#   - configurable-http-proxy from npm under $PANHUB_PREFIX/chp
#   - this checkout installed into the venv (not editable: user jobs import it)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"
require_root
project="$(cd "$here/../.." && pwd)"

apt_packages=(slurmctld slurmd slurm-client munge sudo bubblewrap acl postgresql chromium python3-venv ca-certificates shellcheck gcc libc6-dev iproute2 util-linux)
command -v node >/dev/null 2>&1 || apt_packages+=(nodejs)
command -v npm >/dev/null 2>&1 || apt_packages+=(npm)
need=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
  log "apt-get install ${need[*]}"
  timeout 600 apt-get update -qq
  # no systemd here: postinst "start" attempts are refused by policy-rc.d, harmlessly
  DEBIAN_FRONTEND=noninteractive timeout 1200 apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

install -d -m 0755 "$PANHUB_PREFIX"
# state: the services enter their own folders below; users cannot list or enter it
install -d -m 0711 "$PANHUB_STATE_ROOT"
if [ ! -x "$PANHUB_VENV/bin/python" ]; then
  log "creating $PANHUB_VENV from /usr/bin/python3"
  /usr/bin/python3 -m venv "$PANHUB_VENV"
fi
# dependencies change rarely: reinstall them only when pyproject.toml changes
stamp="$PANHUB_VENV/.panhub-deps"
want="$(sha256sum "$project/pyproject.toml" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "installing Python dependencies into $PANHUB_VENV"
  "$PANHUB_VENV/bin/pip" install -q -U pip hatchling hatch-jupyter-builder "jupyter-builder>=1.2,<2"
  PATH="$PANHUB_VENV/bin:$PATH" "$PANHUB_VENV/bin/pip" install -q "${project}[all]"
  # rfc3987-syntax builds ~35 Lark parsers when jsonschema imports it: about 1 s of every
  # JupyterLab start, for an IRI format no Jupyter schema uses. Without it jsonschema skips
  # that format (jupyter-server issue 1559, python-jsonschema issue 1428).
  "$PANHUB_VENV/bin/pip" uninstall -q -y rfc3987-syntax
  echo "$want" > "$stamp"
fi
# this environment ships no language servers: jupyter-lsp would only look for them at
# every server start
install -d "$PANHUB_VENV/etc/jupyter/jupyter_server_config.d"
cat > "$PANHUB_VENV/etc/jupyter/jupyter_server_config.d/panhub.json" <<'JSON'
{"ServerApp": {"jpserver_extensions": {"jupyter_lsp": false}}}
JSON
# JupyterLab defaults for every user of this environment: no news pop-ups, no update checks
install -d "$PANHUB_VENV/share/jupyter/lab/settings"
cat > "$PANHUB_VENV/share/jupyter/lab/settings/overrides.json" <<'JSON'
{
  "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}
}
JSON
# the project itself, every time (a few seconds), so jobs run the checked-out code
# the Lab extension builds with the venv's jlpm (jupyter-builder), so the venv leads PATH
PATH="$PANHUB_VENV/bin:$PATH" "$PANHUB_VENV/bin/pip" install -q --no-deps --no-build-isolation --force-reinstall "$project"
chmod -R a+rX "$PANHUB_VENV"

chp="$PANHUB_PREFIX/chp/node_modules/.bin/configurable-http-proxy"
if [ ! -x "$chp" ]; then
  log "npm install configurable-http-proxy"
  install -d "$PANHUB_PREFIX/chp"
  (cd "$PANHUB_PREFIX/chp" && timeout 600 npm install --no-fund --no-audit --loglevel=error configurable-http-proxy@5 >/dev/null)
fi
log "bootstrap done: venv $PANHUB_VENV, proxy $chp"
