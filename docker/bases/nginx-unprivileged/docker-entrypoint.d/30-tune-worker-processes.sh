#!/bin/sh
# With NGINX_ENTRYPOINT_WORKER_PROCESSES_AUTOTUNE set, sizes worker_processes to the CPUs the
# container may actually use: `worker_processes auto` counts the host's CPUs and ignores a CPU
# quota (docker run --cpus), which over-subscribes small containers.
set -e

me=$(basename "$0")
conf=/etc/nginx/nginx.conf

log() {
    if [ -z "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ]; then
        echo "$me: info: $*"
    fi
}

[ -n "${NGINX_ENTRYPOINT_WORKER_PROCESSES_AUTOTUNE:-}" ] || exit 0

if ! touch "$conf" 2>/dev/null; then
    log "can not modify $conf (read-only file system?)"
    exit 0
fi

# nproc honours the CPU set and affinity; the quota caps it further (cgroup v2, then v1).
cpus=$(nproc)
quota=
period=
if [ -r /sys/fs/cgroup/cpu.max ]; then
    read -r quota period </sys/fs/cgroup/cpu.max
elif [ -r /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
    quota=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)
    period=$(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)
fi
case "$quota" in
    '' | max | -1) ;;
    *)
        quota_cpus=$(((quota + period - 1) / period))
        if [ "$quota_cpus" -lt "$cpus" ]; then
            cpus=$quota_cpus
        fi
        ;;
esac

sed -i -E "s/^(worker_processes[[:space:]]+)[^;]+;/\1$cpus;/" "$conf"
log "worker_processes set to $cpus"
