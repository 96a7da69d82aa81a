#!/bin/sh
# Adds an IPv6 listener to the shipped default.conf, as upstream does — but only when the host
# has IPv6 and default.conf is still the one this image shipped: a replaced file is the user's.
set -e

me=$(basename "$0")
conf=/etc/nginx/conf.d/default.conf

log() {
    if [ -z "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ]; then
        echo "$me: info: $*"
    fi
}

if [ ! -f /proc/net/if_inet6 ]; then
    log "ipv6 not available"
    exit 0
fi
if [ ! -f "$conf" ]; then
    log "$conf is not a file or does not exist"
    exit 0
fi
if ! touch "$conf" 2>/dev/null; then
    log "can not modify $conf (read-only file system?)"
    exit 0
fi
if grep -q 'listen  \[::\]:8080;' "$conf"; then
    log "IPv6 listen already enabled"
    exit 0
fi
if ! sha256sum --check --status /usr/share/nginx/default.conf.sha256 2>/dev/null; then
    log "$conf differs from the shipped version"
    exit 0
fi

sed -i 's,listen       8080;,listen       8080;\n    listen  [::]:8080;,' "$conf"
log "enabled listen on IPv6 in $conf"
