#!/usr/bin/env bash
# Source me: installs Debian's redis-server (and redis-tools: redis-cli, which creates the test
# cluster) when missing. Tests start their own servers on free loopback ports (plain, cluster
# and sentinel mode are all the redis-server binary); the system service the package may start
# is never used.
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  echo "installing redis-server redis-tools (apt-get)"
  if [ "$(id -u)" -eq 0 ]; then _sudo=; else _sudo=sudo; fi
  $_sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $_sudo apt-get install -y -qq redis-server redis-tools >/dev/null
fi
