#!/bin/sh
# Runs before the template is rendered (20-envsubst-on-templates.sh) and stops the container on a
# runtime setting nginx would accept but serve wrongly:
# - a read-only /etc/nginx/conf.d: the template cannot be rendered, and nginx would start on the
#   base image's default server, answering 404 to everything until the health check gives up;
# - an API_UPSTREAM with a path: `proxy_pass $api_upstream` replaces the request's path with it, so
#   http://api:3000/ would send every /api/... request to `/`; or with a port nginx cannot use.
set -eu

if [ ! -w /etc/nginx/conf.d ]; then
    echo "$0: /etc/nginx/conf.d is not writable, so the server config cannot be rendered; with a read-only root filesystem, mount a tmpfs there owned by the nginx user, e.g. --tmpfs /etc/nginx/conf.d:uid=101,gid=101" >&2
    exit 1
fi

usage="set it to scheme://host[:port] with no path, e.g. http://api:3000"
if ! printf '%s' "${API_UPSTREAM:-}" | grep -Eq '^https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$'; then
    echo "$0: API_UPSTREAM=\"${API_UPSTREAM:-}\" is not an upstream address; ${usage}" >&2
    exit 1
fi
port=$(printf '%s' "${API_UPSTREAM}" | sed -En 's/.*\]?:([0-9]+)$/\1/p')
if [ -n "${port}" ] && { [ "${port}" -lt 1 ] || [ "${port}" -gt 65535 ]; }; then
    echo "$0: API_UPSTREAM=\"${API_UPSTREAM}\" has port ${port}, outside 1-65535; ${usage}" >&2
    exit 1
fi
