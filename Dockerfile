# One image for every Tandem process: `tandem master`, `tandem agent`, ...
FROM node:20-bookworm-slim AS build
WORKDIR /tandem
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY proto ./proto
COPY packages ./packages
RUN npm install --no-audit --no-fund && npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /tandem
COPY --from=build /tandem /tandem
ENV TANDEM_WORK_DIR=/var/lib/tandem
VOLUME /var/lib/tandem
ENTRYPOINT ["node", "/tandem/packages/cli/bin/tandem.js"]
CMD ["--help"]
