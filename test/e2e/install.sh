#!/usr/bin/env bash
# Installs what the end-to-end tests need, once per machine: Debian's chromium (playwright-core
# drives it; its own browser download cannot work here), the build tools code-server's native
# modules compile with, and code-server + playwright-core in test/e2e/node_modules.
set -euo pipefail
cd "$(dirname "$0")"

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! command -v chromium >/dev/null || ! command -v rg >/dev/null || ! dpkg -s libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium build-essential pkg-config python3 \
    libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev ripgrep >/dev/null
fi

if [ -x node_modules/code-server/out/node/entry.js ] || [ -f node_modules/code-server/out/node/entry.js ]; then
  if [ -d node_modules/playwright-core ]; then exit 0; fi
fi

# @vscode/ripgrep's postinstall downloads a binary from GitHub: seed its cache with Debian's rg.
TMP="${TMPDIR:-/tmp}"
CACHE="$TMP/vscode-ripgrep-cache-1.15.11"
mkdir -p "$CACHE" "$TMP/rg-pack"
cp "$(command -v rg)" "$TMP/rg-pack/rg"
tar -czf "$CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$TMP/rg-pack" rg

export npm_config_unsafe_perm=true npm_config_yes=true
npm install --no-audit --no-fund --loglevel=error
