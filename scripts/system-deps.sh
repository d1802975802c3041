#!/usr/bin/env bash
# Makes sure the system tools the tests use are installed: they are real services, never mocks.
# As root with apt-get, missing ones are installed; otherwise the missing packages are listed.
set -euo pipefail

# command to look for -> Debian package that provides it
declare -A NEED=(
  [redis-server]=redis-server
  [/usr/sbin/sshd]=openssh-server
  [ssh-keygen]=openssh-client
  [ansible-playbook]=ansible
  [influxd]=influxdb
  [influx]=influxdb-client
  [chromium]=chromium
  [rsync]=rsync
  [flock]=util-linux
  [tar]=tar
  [curl]=curl
  [hyperfine]=hyperfine
  [docker-compose]=docker-compose
  [/usr/lib/postgresql/15/bin/initdb]=postgresql-15
  [psql]=postgresql-client-15
)

missing=()
for cmd in "${!NEED[@]}"; do
  if [[ "$cmd" == /* ]]; then [[ -x "$cmd" ]] || missing+=("${NEED[$cmd]}")
  else command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEED[$cmd]}"); fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "system-deps: the tests need these Debian packages: ${missing[*]}" >&2
echo "  install them with: sudo apt-get install ${missing[*]}" >&2
exit 1
