#!/bin/sh
# Copies the working tree (without .venv, .git, var, caches) to DIR, for runs that must
# all measure the same code while others keep editing:  bench/snapshot.sh /tmp/chat-src
set -eu
dest=${1:?usage: bench/snapshot.sh DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dest"
rsync -a --delete --exclude .venv --exclude .git --exclude var --exclude __pycache__ \
  --exclude '*.pyc' --exclude staticfiles --exclude .pytest_cache --exclude .ruff_cache \
  --exclude node_modules --exclude '*.sqlite3*' "$root/" "$dest/"
( cd "$root" && echo "snapshot $(date -Iseconds) of $root: HEAD $(git rev-parse --short HEAD)" \
  "+ $(git status --porcelain | wc -l) uncommitted paths" ) > "$dest/SNAPSHOT.txt"
cat "$dest/SNAPSHOT.txt"
