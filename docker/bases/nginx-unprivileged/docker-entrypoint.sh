#!/bin/sh
# Upstream's start-up contract: before nginx starts, run /docker-entrypoint.d/ in name order —
# executable *.envsh files are sourced (they may export variables for the scripts after them),
# executable *.sh files are run. Any other command is executed untouched.
set -e

log() {
    if [ -z "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ]; then
        echo "$@"
    fi
}

if [ "$1" = "nginx" ] || [ "$1" = "nginx-debug" ]; then
    if find /docker-entrypoint.d/ -mindepth 1 -maxdepth 1 -type f -print -quit 2>/dev/null | read -r _; then
        log "$0: running the scripts in /docker-entrypoint.d/"
        for script in $(find /docker-entrypoint.d/ -follow -type f | sort -V); do
            case "$script" in
                *.envsh)
                    if [ -x "$script" ]; then
                        log "$0: sourcing $script"
                        # shellcheck source=/dev/null
                        . "$script"
                    else
                        log "$0: ignoring $script, not executable"
                    fi
                    ;;
                *.sh)
                    if [ -x "$script" ]; then
                        log "$0: running $script"
                        "$script"
                    else
                        log "$0: ignoring $script, not executable"
                    fi
                    ;;
                *) log "$0: ignoring $script" ;;
            esac
        done
        log "$0: configuration complete; ready for start up"
    else
        log "$0: /docker-entrypoint.d/ is empty, skipping configuration"
    fi
fi

exec "$@"
