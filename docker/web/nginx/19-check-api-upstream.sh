#!/bin/sh
# Runs before the template is rendered (20-envsubst-on-templates.sh): refuses an API_UPSTREAM that
# nginx would accept but serve wrongly. `proxy_pass $api_upstream` replaces the request's path with
# any path given here, so http://api:3000/ would send every /api/... request to `/`.
set -eu

if ! printf '%s' "${API_UPSTREAM:-}" | grep -Eq '^https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$'; then
    echo "$0: API_UPSTREAM=\"${API_UPSTREAM:-}\" is not an upstream address; set it to scheme://host[:port] with no path, e.g. http://api:3000" >&2
    exit 1
fi
