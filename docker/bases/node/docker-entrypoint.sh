#!/bin/sh
set -e

# Same contract as the official node images: `docker run IMAGE -e '...'` or
# `docker run IMAGE app.js` runs node. Prepend it when the first argument is an option, is no
# command on PATH, or is a file that exists but is not executable (dash's `command -v` reports
# such files as commands).
if [ "${1#-}" != "$1" ] || [ -z "$(command -v "$1")" ] || { [ -f "$1" ] && ! [ -x "$1" ]; }; then
    set -- node "$@"
fi

exec "$@"
