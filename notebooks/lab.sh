#!/usr/bin/env bash
# Start JupyterLab on the example notebooks, on this machine only (127.0.0.1).
#
#   bash notebooks/lab.sh                 # what `make lab` runs
#   PORT=8890 bash notebooks/lab.sh       # another port
#
# Prints the URL with its token first.  As root (a container, CI) JupyterLab needs
# --allow-root; this script passes it and says so.  The server only listens on
# localhost, so the token is the only way in.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root_dir="$(dirname "$here")"
jupyter="${JUPYTER:-$root_dir/.venv/bin/jupyter}"
port="${PORT:-8888}"
token="${TOPICSUM_LAB_TOKEN:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')}"
extra=()
if [ "$(id -u)" = 0 ]; then
  echo "Running as root: passing --allow-root to JupyterLab (it listens on 127.0.0.1 only)."
  extra+=(--allow-root)
fi
echo "JupyterLab: http://127.0.0.1:${port}/lab?token=${token}"
exec "$jupyter" lab --no-browser --ip 127.0.0.1 --port "$port" --ServerApp.port_retries=0 \
  --IdentityProvider.token="$token" --ServerApp.root_dir="$here" "${extra[@]}"
