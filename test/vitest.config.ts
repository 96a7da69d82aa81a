import { defineConfig } from "vitest/config";

const minutes = (count: number) => count * 60_000;

// Testcontainers pulls helper images unless told otherwise: the Ryuk reaper, and — when the tests
// run inside a container and talk to a local socket — an alpine probe that looks for the host's
// address. Without a reachable registry both fail, so the suite turns them off by default: it removes
// its own containers and images, and a local engine publishes ports on localhost. Values set in the
// environment win; a remote DOCKER_HOST keeps Testcontainers' own host detection.
const localEngine = !process.env.DOCKER_HOST || process.env.DOCKER_HOST.startsWith("unix://");
const testcontainersDefaults = {
  TESTCONTAINERS_RYUK_DISABLED: process.env.TESTCONTAINERS_RYUK_DISABLED ?? "true",
  ...(localEngine
    ? { TESTCONTAINERS_HOST_OVERRIDE: process.env.TESTCONTAINERS_HOST_OVERRIDE ?? "localhost" }
    : {}),
};

export default defineConfig({
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
    globalSetup: ["src/global-setup.ts"],
    env: testcontainersDefaults,
    // One image build at a time: builds saturate the CPUs, and parallel ones only slow each other.
    fileParallelism: false,
    // A first build installs dependencies inside Docker; the base stand-ins may be built from scratch.
    hookTimeout: minutes(15),
    testTimeout: minutes(1),
    teardownTimeout: minutes(1),
  },
});
