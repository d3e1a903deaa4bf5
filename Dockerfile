# syntax=docker/dockerfile:1.7
# The Infrastructure Action Tracker as an ECS Fargate container (issue 5).
#
#   docker build -t action-tracker .                                   # linux/amd64 (the default, what Fargate runs)
#   docker build --build-arg TARGET_PLATFORM=linux/arm64 -t action-tracker:arm64 .   # Graviton
#   docker build --build-arg COMMIT_SHA=$(git rev-parse HEAD) -t action-tracker .      # what CI does
#
# Two stages: `build` compiles with the dev dependencies (esbuild) on the
# builder's own platform; its output (dist/) is plain JavaScript and wasm, the
# same for every architecture, so a cross-platform build never emulates it.
# `runtime` holds production dependencies and dist/ only: PGlite
# (@electric-sql/pglite) is kept external by the bundler, so it is installed
# here. No production dependency has an install script (checked against
# package-lock.json), hence --ignore-scripts everywhere.
#
# Base image: pinned by tag here (Node 22, an LTS line, on Debian bookworm).
# CI pins the digest by passing NODE_IMAGE=node:22-bookworm-slim@sha256:<digest>
# (see .github/workflows/ci.yml and deploy.yml); never `latest`.
# test/infra/container.test.ts parses this file and runs its CMD and
# HEALTHCHECK against a production install of the real build.
ARG NODE_IMAGE=node:22-bookworm-slim
ARG TARGET_PLATFORM=linux/amd64

FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY bin ./bin
COPY lib ./lib
COPY handlers ./handlers
COPY app ./app
COPY web ./web
RUN npm run build

FROM --platform=$TARGET_PLATFORM ${NODE_IMAGE} AS runtime
# HOST: the server binds loopback by default; in a container it must listen on the
# task's interface. On any interface but loopback the server refuses to start
# with the default AUTH_MODE=trusted-headers unless TRUSTED_PROXY_SECRET (or
# ALLOW_UNVERIFIED_HEADERS=true) is set: the ECS task sets AUTH_MODE=alb-oidc.
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0 DATA_DIR=/tmp/data NODE_EXTRA_CA_CERTS=/etc/ssl/certs/rds-global-bundle.pem
# RDS requires TLS and DATABASE_URL says sslmode=verify-full: trust Amazon RDS's CA bundle.
ADD --chmod=644 https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem /etc/ssl/certs/rds-global-bundle.pem
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; then npm and corepack leave the image (nothing
# runs them at runtime, and their bundled modules are scanner noise).
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
COPY --from=build /src/dist ./dist
# The commit this image was built from (CI passes --build-arg COMMIT_SHA=<sha>): /health
# reports it, and the deploy waits until every answering task reports the new one.
# Declared after the dependency layers, so a new commit rebuilds only these lines.
ARG COMMIT_SHA=""
ENV COMMIT_SHA=${COMMIT_SHA}
LABEL org.opencontainers.image.revision=${COMMIT_SHA}
# Code and dependencies stay root-owned and read-only to the app; the process
# runs as the image's unprivileged `node` user (uid 1000) and writes only DATA_DIR.
# The ECS task runs with a read-only root filesystem and a writable volume at
# /tmp: ECS fills a volume whose path an image declares with VOLUME from the
# image (contents and ownership), so /tmp keeps its mode 1777 and DATA_DIR
# (/tmp/data) belongs to `node`; without VOLUME the mount would be root's, 0755.
RUN mkdir -p /tmp/data && chown node:node /tmp/data
VOLUME ["/tmp"]
USER node
EXPOSE 8080
# ECS sends SIGTERM after the ALB deregistration delay; the server drains and
# exits 0 inside the task's stopTimeout (30 s; SHUTDOWN_TIMEOUT_MS 25 s).
STOPSIGNAL SIGTERM
# No curl in the slim image: Node's fetch. The ALB target group checks /health too.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# A young generation of 32 MB semi-spaces: with 50 requests in flight, 16 MB (the
# default) promoted ~4 KB of each request to the old space and ran a full GC every
# 1.5 s; 32 MB took ~11 µs off each request (bench:limit, get by id).
CMD ["node", "--max-semi-space-size=32", "dist/server.mjs"]
