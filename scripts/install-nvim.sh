#!/bin/sh
# Installs Debian's neovim for the headless Neovim test (test/lsp/nvim.test.mjs). Idempotent: does
# nothing when `nvim` is already on PATH. Exits 0 either way; the test skips, saying why, without nvim.
set -u
command -v nvim >/dev/null 2>&1 && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo -n"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y --no-install-recommends neovim >/dev/null 2>&1 \
  || { $SUDO apt-get update >/dev/null 2>&1 && $SUDO apt-get install -y --no-install-recommends neovim >/dev/null 2>&1; } \
  || echo "install-nvim: could not install neovim (the headless Neovim test will be skipped)" >&2
exit 0
