# The public services' image (infra/public-services.tf): the Stripe webhook and the QBO connect callback, each on
# the bounded HTTP server (shared/ingest/public-server.ts) instead of functions-framework. Same source and build as the functions
# (`npm run build:functions`: functions/, shared/, schemas/ only); Cloud Run picks the script per service:
#   node dist/functions/stripe-webhook.js   (stripe-webhook)
#   node dist/functions/qbo-connect.js      (qbo-connect, the OAuth callback for production connects)
# Built and pushed by cloudbuild.yaml and infra/deploy.sh before `terraform apply`.

FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# --ignore-scripts: `prepare` would build dev/ and bench/, which are not in this image. `npm install`, not `npm ci`,
# for the reason .ci/run gives (this npm keeps only the current platform's optional binaries in the lock, which
# `npm ci` then calls out of sync); it still installs the locked versions.
RUN npm install --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY functions ./functions
COPY shared ./shared
COPY schemas ./schemas
RUN npm run build:functions && npm prune --omit=dev --ignore-scripts

FROM node:22-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8080
ENTRYPOINT ["node"]
CMD ["dist/functions/stripe-webhook.js"]
