#!/usr/bin/env bash
# Install Debian's chromium for the browser tests when it is missing and we may install
# packages (root with apt-get). Anything else: say so; the browser tests then skip.
set -u
command -v chromium >/dev/null 2>&1 && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium not found and cannot be installed here; browser tests will skip" >&2
  exit 0
fi
echo "installing Debian's chromium for the browser tests..." >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }; then
  echo "could not install chromium; browser tests will skip" >&2
fi
exit 0
