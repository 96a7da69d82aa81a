# @repo/web, host-built: the host builds the SPA and stages dist; the image only copies it onto the
# same runtime as the multi-stage image.
# Stage the bundle, then build from the repository root (`pnpm images` does both):
#   pnpm turbo run build --filter=@repo/web && cp -r apps/web/dist .stage/web
#   docker build -f docker/web/host-built.Dockerfile -t repo-web:host-built .
# Only .stage/web and the nginx config are sent to the engine (see host-built.Dockerfile.dockerignore).

ARG NGINX_IMAGE=nginxinc/nginx-unprivileged:1.31.6-alpine

# The runtime: unprivileged nginx, its server config and the staged bundle.
FROM ${NGINX_IMAGE} AS runtime
COPY docker/web/nginx/default.conf /etc/nginx/conf.d/default.conf
COPY .stage/web/ /usr/share/nginx/html/
USER nginx
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["wget", "-q", "--spider", "http://127.0.0.1:8080/healthz"]
CMD ["nginx", "-g", "daemon off;"]
