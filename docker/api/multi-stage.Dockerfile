# @repo/api, multi-stage: the build runs inside Docker; the final stage keeps only the production folder.
# Built from the repository root (the catalogue in packages/build passes the same build args):
#   docker buildx build -f docker/api/multi-stage.Dockerfile -t repo-api:multi-stage .
#   docker buildx build -f docker/api/multi-stage.Dockerfile --target test .    # unit tests inside Docker
#   docker buildx build -f docker/api/multi-stage.Dockerfile --target build .   # the "no multi-stage" counterfactual

ARG NODE_IMAGE=node:24.22.3-trixie-slim

# pnpm and turbo at the versions the repository pins, installed with npm (no corepack).
FROM ${NODE_IMAGE} AS toolchain
ARG PNPM_VERSION=10.34.9
ARG TURBO_VERSION=2.11.13
ENV TURBO_TELEMETRY_DISABLED=1 \
    DO_NOT_TRACK=1
RUN npm install --global --no-audit --no-fund "pnpm@${PNPM_VERSION}" "turbo@${TURBO_VERSION}" \
 && npm cache clean --force
WORKDIR /repo

# Only the workspace packages the api depends on: manifests in out/json, sources in out/full.
FROM toolchain AS prune
COPY . .
RUN turbo prune @repo/api --docker

# Dependencies from manifests and lockfile alone, so a source edit reuses this layer.
FROM toolchain AS deps
COPY --from=prune /repo/out/json/ ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --store-dir /pnpm/store

# Sources on top of the dependencies; compile, then stage a self-contained production folder.
FROM deps AS build
COPY --from=prune /repo/out/full/ ./
RUN turbo run build --filter=@repo/api
# The production folder, trimmed to what Node reads at run time by the same script `pnpm images`
# runs on the host-built image's staged folder: no pnpm bookkeeping, .bin shims or build paths.
COPY packages/build/src/production-folder.ts /usr/local/lib/
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm --filter=@repo/api deploy --prod --store-dir /pnpm/store /prod/api \
 && node /usr/local/lib/production-folder.ts /prod/api

# The unit tests, run on demand with --target test; a failing test fails the build.
FROM build AS test
RUN turbo run test --filter=@repo/api

# The runtime: Node and the production folder, nothing of the toolchain.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000
# The base ships corepack and yarn besides npm; the app runs `node` and needs none of them. Their
# files stay in the base's layers, but no one in a container can run them (npm, part of the Node
# distribution, stays).
RUN rm -rf /usr/local/bin/corepack /usr/local/lib/node_modules/corepack \
           /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-v*
WORKDIR /app
# Dependencies and app in separate layers: a release that changes only sources ships a new dist
# layer and leaves the dependency layer as it was.
COPY --from=build /prod/api/package.json ./
COPY --from=build /prod/api/node_modules/ ./node_modules/
COPY --from=build /prod/api/dist/ ./dist/
# Numeric, so an orchestrator can verify non-root (runAsNonRoot): the base's `node` user.
USER 1000:1000
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["node", "dist/healthcheck.js"]
CMD ["node", "dist/server.js"]
