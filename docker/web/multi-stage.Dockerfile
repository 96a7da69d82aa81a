# @repo/web, multi-stage: the SPA is built inside Docker; the final stage is nginx and the static files.
# Built from the repository root (the catalogue in packages/build passes the same build args):
#   docker buildx build -f docker/web/multi-stage.Dockerfile -t repo-web:multi-stage .
#   docker buildx build -f docker/web/multi-stage.Dockerfile --target test .    # unit tests inside Docker
#   docker buildx build -f docker/web/multi-stage.Dockerfile --target build .   # the "no multi-stage" counterfactual

ARG NODE_IMAGE=node:24.22.3-trixie-slim
ARG NGINX_IMAGE=nginxinc/nginx-unprivileged:1.31.6-alpine

# pnpm and turbo at the versions the repository pins, installed with npm (no corepack).
FROM ${NODE_IMAGE} AS toolchain
ARG PNPM_VERSION=10.34.9
ARG TURBO_VERSION=2.11.13
ENV TURBO_TELEMETRY_DISABLED=1 \
    DO_NOT_TRACK=1
RUN npm install --global --no-audit --no-fund "pnpm@${PNPM_VERSION}" "turbo@${TURBO_VERSION}" \
 && npm cache clean --force
WORKDIR /repo

# Only the workspace packages the web app depends on: manifests in out/json, sources in out/full.
FROM toolchain AS prune
COPY . .
RUN turbo prune @repo/web --docker

# Dependencies from manifests and lockfile alone, so a source edit reuses this layer.
FROM toolchain AS deps
COPY --from=prune /repo/out/json/ ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --store-dir /pnpm/store

# Sources on top of the dependencies; the static bundle lands in apps/web/dist.
FROM deps AS build
COPY --from=prune /repo/out/full/ ./
RUN turbo run build --filter=@repo/web

# The unit tests, run on demand with --target test; a failing test fails the build.
FROM build AS test
RUN turbo run test --filter=@repo/web

# The runtime: unprivileged nginx, its server config and the bundle, nothing of the toolchain.
FROM ${NGINX_IMAGE} AS runtime
# The API's address comes from the environment at container start (see default.conf.template);
# the default names the `api` service of compose.yaml. Local resolvers let nginx resolve it per request.
ENV API_UPSTREAM=http://api:3000 \
    NGINX_ENTRYPOINT_LOCAL_RESOLVERS=1
COPY docker/web/nginx/security-headers.conf /etc/nginx/security-headers.conf
COPY docker/web/nginx/19-check-runtime-config.sh /docker-entrypoint.d/
COPY docker/web/nginx/default.conf.template /etc/nginx/templates/default.conf.template
COPY --from=build /repo/apps/web/dist/ /usr/share/nginx/html/
# Numeric, so an orchestrator can verify non-root (runAsNonRoot): the base's `nginx` user.
USER 101:101
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["wget", "-q", "--spider", "http://127.0.0.1:8080/healthz"]
CMD ["nginx", "-g", "daemon off;"]
