# kvlab's image for runs on Kubernetes (`kvlab k8s bench`): the CLI with its data and shipped
# experiments, run through tsx exactly as in development (no build step). The install keeps the
# devDependencies because the CLI runs TypeScript through tsx, one of them.
FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci && npm cache clean --force
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY data ./data
COPY experiments ./experiments
RUN ln -s /app/bin/kvlab.js /usr/local/bin/kvlab
CMD ["kvlab", "--help"]
