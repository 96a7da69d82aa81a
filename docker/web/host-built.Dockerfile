# @repo/web, host-built: the host builds the SPA and stages dist; the image only copies it onto the
# same runtime as the multi-stage image.
# Stage the bundle, then build from the repository root (`pnpm images` does both):
#   pnpm turbo run build --filter=@repo/web && rm -rf .stage/web && cp -r apps/web/dist .stage/web
#   docker buildx build -f docker/web/host-built.Dockerfile -t repo-web:host-built .
# With BuildKit, only .stage/web and the nginx config are sent (host-built.Dockerfile.dockerignore).

ARG NGINX_IMAGE=nginxinc/nginx-unprivileged:1.31.6-alpine

# The runtime: unprivileged nginx, its server config and the staged bundle.
FROM ${NGINX_IMAGE} AS runtime
# The API's address comes from the environment at container start (see default.conf.template);
# the default names the `api` service of compose.yaml. Local resolvers let nginx resolve it per request.
ENV API_UPSTREAM=http://api:3000 \
    NGINX_ENTRYPOINT_LOCAL_RESOLVERS=1
COPY docker/web/nginx/security-headers.conf /etc/nginx/security-headers.conf
COPY docker/web/nginx/19-check-runtime-config.sh /docker-entrypoint.d/
COPY docker/web/nginx/default.conf.template /etc/nginx/templates/default.conf.template
COPY .stage/web/ /usr/share/nginx/html/
# Numeric, so an orchestrator can verify non-root (runAsNonRoot): the base's `nginx` user.
USER 101:101
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["wget", "-q", "--spider", "http://127.0.0.1:8080/healthz"]
CMD ["nginx", "-g", "daemon off;"]
