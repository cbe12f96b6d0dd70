# The bot as a container: type-checked and bundled in one stage, run from dist/ with production dependencies only.
# docker build --build-arg OFFBOARD_GIT_COMMIT=$(git rev-parse HEAD) -t offboard-bot .
ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY app ./app
COPY src ./src
COPY commands ./commands
COPY jobs ./jobs
COPY scripts/bundle.mjs ./scripts/
RUN npm run build

FROM node:${NODE_VERSION}-slim
# Two malloc arenas, not glibc's eight per core, for the process's threads (docs/operations.md, Processes and machines).
ENV NODE_ENV=production MALLOC_ARENA_MAX=2
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The image has no .git: the commit printed in every evidence pack comes from the build.
ARG OFFBOARD_GIT_COMMIT=unknown
ENV OFFBOARD_GIT_COMMIT=${OFFBOARD_GIT_COMMIT} PORT=3000
# The code and its dependencies stay root's: the bot's user can read them, not change them.
USER node
EXPOSE 3000
# The slim image has no curl; node's fetch asks the process itself.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node as PID 1 (not npm, which would not wait for it): the bot handles SIGTERM itself and finishes its active jobs.
# The flags are npm start's (docs/operations.md, Processes and machines): 4 MiB semi-spaces instead of V8's 16 hold 24 MiB less,
# and no baseline (Sparkplug) machine code about 5 MiB less.
CMD ["node", "--max-semi-space-size=4", "--no-sparkplug", "dist/app/main.js"]
