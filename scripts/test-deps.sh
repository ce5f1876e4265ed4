#!/bin/sh
# Install what the browser and PostgreSQL tests need when it is missing (and the commands
# named as arguments: `sh scripts/test-deps.sh wrk` for make bench).
# As root (CI, a fresh machine) it installs Debian packages and npm modules; otherwise it
# stops and says what to install. Browser tests never skip silently.
set -eu

missing=""
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing="$missing chromium"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
[ -x /usr/sbin/nginx ] || missing="$missing nginx"
# pdftotext reads the invoices' and the terms' PDFs back in the tests.
command -v pdftotext >/dev/null 2>&1 || missing="$missing poppler-utils"
# Extra commands a target needs (make bench: wrk), each from the Debian package of its name.
for command in "$@"; do
  command -v "$command" >/dev/null 2>&1 || missing="$missing $command"
done

if [ -n "$missing" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian packages:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "The tests need these Debian packages:$missing" >&2
    echo "Install them with: sudo apt-get install$missing" >&2
    exit 1
  fi
fi

if [ ! -f node_modules/axe-core/axe.min.js ]; then
  echo "Installing axe-core (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
