#!/bin/sh
# Renders every "<name><suffix>" under the template directory into the output directory as
# "<name>" (keeping subdirectories), substituting only variables that are defined in the
# environment — nginx's own $variables pass through untouched. Upstream's settings:
#   NGINX_ENVSUBST_TEMPLATE_DIR    (default /etc/nginx/templates)
#   NGINX_ENVSUBST_TEMPLATE_SUFFIX (default .template)
#   NGINX_ENVSUBST_OUTPUT_DIR      (default /etc/nginx/conf.d)
#   NGINX_ENVSUBST_FILTER          (regular expression; only matching variable names are substituted)
set -e

me=$(basename "$0")
template_dir="${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}"
suffix="${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}"
output_dir="${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}"
filter="${NGINX_ENVSUBST_FILTER:-}"

log() {
    if [ -z "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ]; then
        echo "$me: $*"
    fi
}

[ -d "$template_dir" ] || exit 0
if [ ! -w "$output_dir" ]; then
    log "ERROR: $template_dir exists, but $output_dir is not writable"
    exit 0
fi

# envsubst's SHELL-FORMAT argument: "${NAME} ${OTHER} ..." for every defined (and filtered) name.
defined_envs=$(awk -v filter="$filter" 'END { for (name in ENVIRON) if (name ~ filter) printf "${%s} ", name }' </dev/null)

find "$template_dir" -follow -type f -name "*$suffix" -print | while read -r template; do
    relative_path="${template#"$template_dir/"}"
    output_path="$output_dir/${relative_path%"$suffix"}"
    mkdir -p "$(dirname "$output_path")"
    log "running envsubst on $template to $output_path"
    envsubst "$defined_envs" <"$template" >"$output_path"
done
