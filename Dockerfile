# berth as a container image: the compiled CLI on Node 20, production
# dependencies only. docs/container.md says how to run it (the Docker socket,
# the state volume, the address the daemon listens on).
#
#   docker build --build-arg BERTH_COMMIT=$(git rev-parse HEAD) -t berth .

FROM node:20-slim AS build
WORKDIR /src
# The lockfile alone first, so a change to the sources reuses the npm ci layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY reconciler reconciler
COPY scheduler scheduler
COPY schemas schemas
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-slim
ARG BERTH_COMMIT=unknown
# NODE_ENV: libraries pick their production behaviour; BERTH_COMMIT: /metrics' berth_build_info.
ENV NODE_ENV=production \
    BERTH_COMMIT=$BERTH_COMMIT \
    BERTH_STATE_DIR=/var/lib/berth
WORKDIR /app
# What `npm pack` ships (package.json's "files"), with the production node_modules.
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist/reconciler dist/reconciler
COPY --from=build /src/dist/scheduler dist/scheduler
COPY --from=build /src/dist/schemas dist/schemas
COPY --from=build /src/schemas schemas
# The git cache, deployment record and journal live in a volume, owned by the
# unprivileged user berth runs as (the socket's group is added at `docker run`).
RUN mkdir -p /var/lib/berth && chown node:node /var/lib/berth
VOLUME /var/lib/berth
USER node
EXPOSE 9470
ENTRYPOINT ["node", "/app/dist/reconciler/cli/main.js"]
CMD ["--help"]
