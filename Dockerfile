# milvus-migrate as a container: the CLI is the entrypoint, run as the unprivileged `node` user.
#   docker build -t milvus-migrate .
#   docker run --rm -v "$PWD:/work" -e MILVUS_ADDRESS=milvus:19530 -e MILVUS_TOKEN milvus-migrate up
# It holds no migrations: mount them at /work (with milvus.config.yaml), or build an image FROM
# this one that copies them in (docs/kubernetes.md). No Embedded Milvus here (no Python): the
# config must name a server (`address`, or MILVUS_ADDRESS).

# Build: the devDependencies (TypeScript, esbuild) build dist/, then the package is packed as
# npm would publish it.
FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Scripts off: `prepare` would build before the sources are here; the build runs below.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY scripts ./scripts
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY schemas ./schemas
COPY README.md LICENSE ./
RUN npm run build && npm pack --ignore-scripts --pack-destination /tmp && mv /tmp/milvus-migrate-*.tgz /tmp/milvus-migrate.tgz

# Run: only the packed package and its production dependencies.
FROM node:20-slim
ENV NODE_ENV=production \
    NO_COLOR=1 \
    npm_config_update_notifier=false
COPY --from=build /tmp/milvus-migrate.tgz /tmp/milvus-migrate.tgz
RUN npm install --global --omit=dev --no-audit --no-fund /tmp/milvus-migrate.tgz \
    && rm /tmp/milvus-migrate.tgz \
    && npm cache clean --force \
    && mkdir /work \
    && chown node:node /work
# The image's own `node` user, not root; by number, so that Kubernetes' runAsNonRoot can check it.
# The CLI keeps its compile cache under /home/node/.cache (MILVUS_MIGRATE_COMPILE_CACHE=0 turns it
# off, e.g. on a read-only root filesystem).
USER 1000:1000
WORKDIR /work
ENTRYPOINT ["milvus-migrate"]
CMD ["--help"]
