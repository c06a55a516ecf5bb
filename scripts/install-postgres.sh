#!/usr/bin/env bash
# Debian's PostgreSQL server for the tests under test/pg/ (they start a throwaway cluster of their
# own; nothing is configured or started here). Does nothing when a server is already installed.
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null; then exit 0; fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y postgresql
