import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// scripts/setup-engine.sh (run by `npm test` first) leaves an engine on one of these sockets; same order as harness/transport/container-engine.ts.
const engineSocket = ['/var/run/docker.sock', '/run/podman/podman.sock'].find((socket) => existsSync(socket)) ?? '/run/podman/podman.sock';

// Integration tests start real sshd, Postgres, containers and Chromium: generous
// timeouts, and files run in separate processes (2 at a time on these 2-core machines).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    env: {
      DOCKER_HOST: process.env.DOCKER_HOST ?? `unix://${engineSocket}`,
      TESTCONTAINERS_RYUK_DISABLED: 'true',
      TESTCONTAINERS_HOST_OVERRIDE: '127.0.0.1',
    },
  },
});
