# @repo/api, host-built: the host compiles and stages a production folder (`pnpm deploy --prod`);
# the image only copies it onto the same runtime as the multi-stage image.
# Stage the folder, then build from the repository root (`pnpm images` does both):
#   pnpm turbo run build --filter=@repo/api && rm -rf .stage/api && pnpm --filter=@repo/api deploy --prod .stage/api
#   node packages/build/src/production-folder.ts .stage/api   # what the runtime reads, nothing more
#   docker buildx build -f docker/api/host-built.Dockerfile -t repo-api:host-built .
# With BuildKit, only .stage/api is sent to the engine (host-built.Dockerfile.dockerignore).

ARG NODE_IMAGE=node:24.22.3-trixie-slim

# The runtime: Node and the staged production folder.
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
COPY .stage/api/package.json ./
COPY .stage/api/node_modules/ ./node_modules/
COPY .stage/api/dist/ ./dist/
# Numeric, so an orchestrator can verify non-root (runAsNonRoot): the base's `node` user.
USER 1000:1000
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["node", "dist/healthcheck.js"]
CMD ["node", "dist/server.js"]
