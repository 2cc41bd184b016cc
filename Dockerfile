# syntax=docker/dockerfile:1
# messenger-hub: one image for every role (APP_ROLE=web|worker|all) and for the one-shot migrations.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# `npm run migration:run` uses the compiled data source here (no ts-node in the image).
COPY scripts ./scripts
USER node
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
