# syntax=docker/dockerfile:1
# Any gRPC service of quartet from its Nx build output: greeter, ticker, chat and every service the
# generator adds (upload has its own, for its volume; the gateway too, for the page). From the
# workspace root:
#   npx nx build greeter && docker build -f deploy/service.Dockerfile --build-arg APP=greeter -t quartet/greeter .
ARG APP

# Only the bundle's npm dependencies, from the lockfile the build pruned for it.
FROM node:24-alpine AS dependencies
ARG APP
WORKDIR /app
COPY dist/apps/${APP}/package.json dist/apps/${APP}/package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM node:24-alpine
ARG APP
ENV NODE_ENV=production HOST=0.0.0.0
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY dist/apps/${APP}/ ./
USER node
# node is PID 1 and handles SIGTERM itself: it drains (SHUTDOWN_GRACE_MS) and exits 0.
CMD ["node", "main.js"]
