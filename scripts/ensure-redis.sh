#!/usr/bin/env bash
# Source me: installs Debian's redis-server when it is missing (tests start their own server on
# a free loopback port; the system service the package may start is never used).
if ! command -v redis-server >/dev/null 2>&1; then
  echo "installing redis-server (apt-get)"
  if [ "$(id -u)" -eq 0 ]; then _sudo=; else _sudo=sudo; fi
  $_sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $_sudo apt-get install -y -qq redis-server >/dev/null
fi
