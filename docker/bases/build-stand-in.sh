#!/usr/bin/env bash
# Builds a local stand-in for an upstream base image and tags it with exactly that reference,
# for machines that cannot reach a container registry (see README.md next to this script).
#
#   bash docker/bases/build-stand-in.sh node:24.22.3-trixie-slim
#   bash docker/bases/build-stand-in.sh nginxinc/nginx-unprivileged:1.31.6-alpine
#
# Needs a reachable Docker engine; root and debootstrap the first time (the Debian rootfs is
# then cached as a local image); npm for the node stand-in. STAND_IN_CA_BUNDLE overrides the
# CA bundle the node stand-in trusts (default: the host's /etc/ssl/certs/ca-certificates.crt).
set -euo pipefail

bases_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly bases_dir
readonly rootfs_image=stand-in/debian-rootfs:trixie
readonly debian_mirror=http://deb.debian.org/debian
readonly ca_bundle="${STAND_IN_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"

# Upstream node:24 images still bundle Yarn classic (it leaves them with Node 26).
readonly yarn_version=1.22.22

# Published uncompressed sizes (amd64) of the upstream images, from docker-library/repo-info
# ("Virtual Size", read as MiB, the larger of its possible units). A stand-in must not be
# smaller, so that a size budget that passes on it also passes on the real base.
readonly node_upstream_size=$((24216 * 1048576 / 100))  # node:24-trixie-slim (Node 24.21.0): 242.16
readonly nginx_upstream_size=$((6294 * 1048576 / 100))  # nginx:1.31.6-alpine: 62.94

step() { printf '[stand-in] %s\n' "$*"; }
fail() {
    printf '[stand-in] error: %s\n' "$*" >&2
    exit 1
}

# Runs a command quietly; if it fails, shows the end of its output and stops with $1.
run_logged() {
    local failure="$1" log
    shift
    log="$workdir/step.log"
    if ! "$@" >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        fail "$failure"
    fi
}

megabytes() { awk -v bytes="$1" 'BEGIN { printf "%.1f MB", bytes / 1000000 }'; }

ensure_rootfs() {
    # Stand-ins may be built in parallel; only one of them should debootstrap.
    exec 9>"${TMPDIR:-/tmp}/stand-in-debian-rootfs.lock"
    if ! flock --nonblock 9; then
        step "waiting for another stand-in build to finish the Debian rootfs"
        flock 9
    fi
    if docker image inspect "$rootfs_image" >/dev/null 2>&1; then
        step "reusing the Debian rootfs $rootfs_image"
    else
        import_rootfs
    fi
    exec 9>&-
}

import_rootfs() {
    command -v debootstrap >/dev/null ||
        fail "debootstrap is not installed; install it with: apt-get install -y debootstrap"
    [ "$(id -u)" -eq 0 ] || fail "debootstrap needs root; re-run this script as root (e.g. with sudo)"

    local rootfs="$workdir/rootfs"
    step "debootstrapping Debian trixie (minbase) from $debian_mirror"
    run_logged "debootstrap failed; check that $debian_mirror is reachable" \
        debootstrap --variant=minbase trixie "$rootfs" "$debian_mirror"

    # Drop what only the bootstrap needed (package downloads, indexes, logs, the host's DNS
    # and device nodes). Documentation and locales stay: see "Size rule" in README.md.
    find "$rootfs/var/cache/apt" "$rootfs/var/lib/apt/lists" "$rootfs/var/log" -type f -delete
    rm -rf "${rootfs:?}"/dev/* "$rootfs/etc/resolv.conf" "$rootfs/etc/apt/sources.list"
    cp -R "$bases_dir/debian-rootfs/." "$rootfs/"

    step "importing the rootfs as $rootfs_image"
    tar --numeric-owner -C "$rootfs" -c . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["bash"]' \
        --change 'LABEL org.opencontainers.image.title="Debian trixie minbase (stand-in rootfs)" org.repo.stand-in="true"' \
        - "$rootfs_image" >/dev/null
}

# Sets `labels` to the labels every stand-in carries (the README lists them).
set_stand_in_labels() {
    local description="$1" version="$2"
    labels=(
        --label "org.opencontainers.image.title=$ref (local stand-in)"
        --label "org.opencontainers.image.description=$description"
        --label "org.opencontainers.image.version=$version"
        --label "org.repo.stand-in=true"
        --label "org.repo.stand-in.upstream=$ref"
        --label "org.repo.stand-in.upstream-size=$upstream_size"
    )
}

# The version of a tool bundled with this Node release: the newest "deps: upgrade <tool> to"
# entry of the release line's changelog ($1), which starts with this release.
bundled_version() {
    local changelog="$1" tool="$2" version
    version="$(grep -m1 -oE "\*\*deps\*\*: (upgrade|update) $tool to [0-9]+\.[0-9]+\.[0-9]+" "$changelog" |
        grep -oE '[0-9]+\.[0-9]+\.[0-9]+$')" ||
        fail "cannot tell which $tool Node $node_version bundles (no 'deps: upgrade $tool to' entry in its CHANGELOG.md)"
    printf '%s' "$version"
}

build_node() {
    local node_arch openssl_arch npm_version corepack_version context="$workdir/context"
    case "$(uname -m)" in
        x86_64) node_arch=x64 openssl_arch=linux-x86_64 ;;
        aarch64) node_arch=arm64 openssl_arch=linux-aarch64 ;;
        *) fail "no official Node.js binary mapping for $(uname -m); the node stand-in supports x86_64 and aarch64" ;;
    esac
    command -v npm >/dev/null || fail "npm is not on PATH; it fetches Node.js from the npm registry (install Node.js 24)"
    [ -r "$ca_bundle" ] || fail "no CA bundle at $ca_bundle; set STAND_IN_CA_BUNDLE to the host's PEM bundle"

    mkdir -p "$context/ingredients"
    cp "$bases_dir/node/Dockerfile" "$bases_dir/node/docker-entrypoint.sh" "$context/"
    cp -L "$ca_bundle" "$context/ca-certificates.crt"

    # npm trusts the same CA bundle as the stand-in will: under `pnpm run` npm does not read the
    # host's global npmrc (where a proxy's cafile usually lives), so say it explicitly.
    npm_pack() { NODE_EXTRA_CA_CERTS="${NODE_EXTRA_CA_CERTS:-$ca_bundle}" npm pack --pack-destination "$context/ingredients" "$@"; }

    step "fetching node-linux-$node_arch@$node_version from the npm registry"
    run_logged "npm pack node-linux-$node_arch@$node_version failed; check the npm registry and that this Node.js version exists" \
        npm_pack "node-linux-$node_arch@$node_version"
    tar -xzOf "$context/ingredients/node-linux-$node_arch-$node_version.tgz" package/CHANGELOG.md >"$workdir/CHANGELOG.md"
    npm_version="$(bundled_version "$workdir/CHANGELOG.md" npm)"
    corepack_version="$(bundled_version "$workdir/CHANGELOG.md" corepack)"

    step "fetching npm@$npm_version, corepack@$corepack_version and yarn@$yarn_version (as bundled upstream)"
    run_logged "npm pack of npm, corepack or yarn failed; check the npm registry" \
        npm_pack "npm@$npm_version" "corepack@$corepack_version" "yarn@$yarn_version"

    set_stand_in_labels \
        "Stand-in for $ref built without a registry: Debian trixie minbase + the official Node.js $node_version binary (npm package node-linux-$node_arch), npm $npm_version, corepack $corepack_version, yarn $yarn_version; trusts the build host's CA bundle (NODE_EXTRA_CA_CERTS)." \
        "$node_version"

    step "building $ref"
    run_logged "docker build of $ref failed (the end of its output is above); fix the recipe in docker/bases/node" \
        docker build \
        --build-arg ROOTFS="$rootfs_image" \
        --build-arg NODE_VERSION="$node_version" \
        --build-arg NODE_ARCH="$node_arch" \
        --build-arg OPENSSL_ARCH="$openssl_arch" \
        --build-arg NPM_VERSION="$npm_version" \
        --build-arg COREPACK_VERSION="$corepack_version" \
        --build-arg YARN_VERSION="$yarn_version" \
        "${labels[@]}" --tag "$ref" "$context"

    step "smoke-testing $ref"
    local reported
    reported="$(docker run --rm --entrypoint sh "$ref" -c \
        'node --version && npm --version >/dev/null && npx --version >/dev/null && corepack --version >/dev/null && yarn --version >/dev/null')" ||
        fail "$ref does not run node, npm, npx, corepack and yarn; see the output above"
    [ "$reported" = "v$node_version" ] || fail "$ref runs Node $reported instead of v$node_version"
}

build_nginx() {
    local policy package_version
    step "resolving the nginx version in Debian trixie"
    policy="$(docker run --rm "$rootfs_image" sh -c 'apt-get update -qq && apt-cache policy nginx' 2>&1)" || {
        printf '%s\n' "$policy" | tail -n 20 >&2
        fail "cannot query Debian's archive from a container; check that deb.debian.org is reachable"
    }
    package_version="$(printf '%s\n' "$policy" | awk '$1 == "Candidate:" { print $2 }')"
    case "$package_version" in
        '' | '(none)') fail "Debian trixie offers no nginx package; see: docker run --rm $rootfs_image apt-cache policy nginx" ;;
    esac

    set_stand_in_labels \
        "Stand-in for $ref built without a registry: Debian trixie minbase + Debian's nginx $package_version (not upstream's $upstream_nginx_version), arranged as nginx-unprivileged: uid 101, port 8080, /docker-entrypoint.d with template envsubst, busybox wget." \
        "$package_version"

    step "building $ref with Debian nginx $package_version"
    run_logged "docker build of $ref failed (the end of its output is above); fix the recipe in docker/bases/nginx-unprivileged" \
        docker build \
        --build-arg ROOTFS="$rootfs_image" \
        --build-arg NGINX_PACKAGE_VERSION="$package_version" \
        "${labels[@]}" --tag "$ref" "$bases_dir/nginx-unprivileged"

    step "smoke-testing $ref"
    run_logged "$ref rejects its own configuration (nginx -t); see the output above" \
        docker run --rm "$ref" nginx -t
}

verify_size() {
    local size
    size="$(docker image inspect --format '{{.Size}}' "$ref")"
    if ((size < upstream_size)); then
        docker image rm "$ref" >/dev/null
        fail "$ref came out at $(megabytes "$size"), smaller than upstream's $(megabytes "$upstream_size"), so a size budget could pass here and fail on the real base; removed it — see \"Size rule\" in docker/bases/README.md"
    fi
    step "$ref ready in ${SECONDS} s: $(megabytes "$size") (upstream $(megabytes "$upstream_size"))"
}

main() {
    [ $# -eq 1 ] || fail "usage: bash docker/bases/build-stand-in.sh <image-ref>, e.g. node:24.22.3-trixie-slim"
    ref="$1"

    local build
    if [[ "$ref" =~ ^node:(([0-9]+)\.[0-9]+\.[0-9]+)-trixie-slim$ ]]; then
        node_version="${BASH_REMATCH[1]}"
        [ "${BASH_REMATCH[2]}" = 24 ] ||
            fail "the node stand-in follows node:24 images (corepack and yarn bundled); $ref needs a recipe update in docker/bases/node"
        build=build_node
        upstream_size=$node_upstream_size
    elif [[ "$ref" =~ ^nginxinc/nginx-unprivileged:([0-9]+\.[0-9]+\.[0-9]+)-alpine$ ]]; then
        upstream_nginx_version="${BASH_REMATCH[1]}"
        build=build_nginx
        upstream_size=$nginx_upstream_size
    else
        fail "no stand-in recipe for $ref; known: node:24.<minor>.<patch>-trixie-slim, nginxinc/nginx-unprivileged:<x.y.z>-alpine (recipes live in docker/bases/)"
    fi

    docker info >/dev/null 2>&1 ||
        fail "Docker engine not reachable; start Docker (dockerd) or set DOCKER_HOST"

    # A real upstream image that is already here (docker load, a registry mirror) beats a stand-in.
    local marker
    if marker="$(docker image inspect --format '{{ index .Config.Labels "org.repo.stand-in" }}' "$ref" 2>/dev/null)" &&
        [ "$marker" != true ]; then
        step "$ref is present and is not a stand-in; leaving it untouched"
        return
    fi

    workdir="$(mktemp -d)"
    trap 'rm -rf "$workdir"' EXIT

    ensure_rootfs
    "$build"
    verify_size
}

main "$@"
