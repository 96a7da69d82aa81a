import {
  type AppName,
  catalogue,
  connectDocker,
  formatMegabytes,
  type ImageSpec,
  runtimeBases,
  standInLabel,
} from "@repo/build";
import { Wait } from "testcontainers";
import { beforeAll, describe, expect, it } from "vitest";
import { apiServingTests } from "./api-serving.ts";
import { buildContextTests } from "./dirty-host.ts";
import { hygieneTests } from "./hygiene.ts";
import {
  holdHalfSentRequest,
  type ImageConfig,
  imageUnderTest,
  type RunningImage,
  startContainer,
} from "./image-under-test.ts";
import { formatLoad, loadProfile, measureLoad, memoryCeilingBytes } from "./load.ts";
import { parityTests } from "./parity.ts";
import { webServingTests } from "./web-serving.ts";

const docker = await connectDocker();

/** What each app's image must serve; an app added to the catalogue must add its tests here. */
const servingTests: Record<AppName, (image: () => RunningImage) => void> = {
  web: webServingTests,
  api: apiServingTests,
};

/**
 * The config that decides how a container of the image runs. The approaches of one app repeat the
 * runtime stage in separate Dockerfiles; comparing this keeps the copies in agreement.
 */
const runtimeFields = [
  "User",
  "Entrypoint",
  "Cmd",
  "WorkingDir",
  "Env",
  "ExposedPorts",
  "Healthcheck",
  "StopSignal",
] as const;
const runtimeConfig = (config: ImageConfig) =>
  Object.fromEntries(runtimeFields.map((field) => [field, config[field]]));

/**
 * How long `docker stop` may take with a half-sent request open, the engine's own work (~0.2 s)
 * included. The api drops connections without a complete request at once and exits well under a
 * second. nginx stops gracefully (SIGQUIT): it waits for that request until its
 * client_header_timeout (5 s, docker/web/nginx/default.conf.template) and then exits cleanly.
 */
const stopBudgetSeconds: Record<AppName, number> = { api: 1, web: 6 };
/** `docker stop`'s default: the grace between the stop signal and SIGKILL. */
const stopGraceSeconds = 10;

describe.each(Object.values(runtimeBases))("base $ref", (base) => {
  it("is covered by the size the budgets count for it", async () => {
    const { Size, Config } = await docker.getImage(base.ref).inspect();
    expect(Size).toBeLessThanOrEqual(base.budgetBytes);
    const labels = Config.Labels ?? {};
    if (labels[standInLabel] === "true") {
      // A stand-in records the upstream image's published size: the budget must cover the real
      // base too, or it would fail wherever the pull works.
      const upstreamSize = labels[`${standInLabel}.upstream-size`];
      expect(upstreamSize, `label ${standInLabel}.upstream-size`).toMatch(/^\d+$/);
      expect(Number(upstreamSize)).toBeLessThanOrEqual(base.budgetBytes);
    }
  });
});

describe.each([...new Set(catalogue.map((spec) => spec.app))])("%s images", (app) => {
  const specs = catalogue.filter((spec) => spec.app === app);
  const runtimeConfigs = new Map<ImageSpec, Record<string, unknown>>();

  // Every approach of the app runs for the whole app suite, so that parity can ask them side by side.
  const images = specs.map((spec) => ({ spec, image: imageUnderTest(docker, spec) }));

  describe.each(images)("$spec.approach ($spec.dockerfile)", ({ spec, image }) => {
    beforeAll(() => {
      runtimeConfigs.set(spec, runtimeConfig(image().config));
    });

    it("stays within its size budget", () => {
      const { sizeBytes } = image().built;
      console.log(
        `${spec.image}: ${formatMegabytes(sizeBytes)} of a ${formatMegabytes(spec.sizeBudget.bytes)} budget`,
      );
      expect(sizeBytes).toBeLessThanOrEqual(spec.sizeBudget.bytes);
    });

    it("runs every process as a non-root user", async () => {
      // Empty, root or uid 0, with or without a group, all mean root.
      expect(image().config.User).not.toMatch(/^(root|0)?(:|$)/);
      const { Titles, Processes } = (await image().container.top({ ps_args: "-o pid,uid" })) as {
        Titles: string[];
        Processes: string[][];
      };
      const uids = Processes.map((row) => row[Titles.indexOf("UID")]);
      expect(uids.length).toBeGreaterThan(0);
      expect(uids).not.toContain("0");
    });

    it(`exposes port ${spec.port}`, () => {
      expect(Object.keys(image().config.ExposedPorts ?? {})).toContain(`${spec.port}/tcp`);
    });

    // Starting the container already waited for "healthy", so a missing or failing HEALTHCHECK
    // fails the suite there; this names the contract an orchestrator relies on.
    it("defines a HEALTHCHECK that Docker reports healthy", async () => {
      // [] means none is defined and ["NONE"] disables one; a real check runs CMD or CMD-SHELL.
      expect(image().config.Healthcheck?.Test?.[0], "HEALTHCHECK").toMatch(/^CMD(-SHELL)?$/);
      expect((await image().container.inspect()).State.Health?.Status).toBe("healthy");
    });

    // `docker stop` sends the image's STOPSIGNAL and SIGKILL after the grace. A client that sent
    // only part of its request headers keeps a connection busy until the server's header timeout;
    // a graceful stop that waits for it runs into the kill. Exit code 0 proves the server is PID 1
    // (exec-form CMD, no npm or shell in between) and handles the signal.
    const stopBudget = stopBudgetSeconds[app];
    it(`stops within ${stopBudget} s of docker stop while a request is half-sent`, async () => {
      await using started = await startContainer(
        spec,
        image().built.tag,
        // Its own HTTP probe: the HEALTHCHECK's first run comes only after its interval.
        { waitStrategy: Wait.forHttp(spec.healthPath, spec.port) },
      );
      using _halfSent = await holdHalfSentRequest(started, spec);
      const container = docker.getContainer(started.getId());
      const stopping = performance.now();
      await container.stop({ t: stopGraceSeconds });
      const stopSeconds = (performance.now() - stopping) / 1000;
      console.log(
        `[${spec.image}] docker stop took ${stopSeconds.toFixed(2)} s (budget ${stopBudget} s)`,
      );
      expect(stopSeconds, "seconds until the container stopped").toBeLessThan(stopBudget);
      expect((await container.inspect()).State.ExitCode).toBe(0);
    });

    hygieneTests(docker, spec, image);
    buildContextTests(spec, image);

    servingTests[app](image);

    const { amount, connections } = loadProfile;
    it(`answers ${amount} requests from ${connections} connections with 2xx, memory bounded`, async () => {
      const load = await measureLoad(image());
      console.log(`[${spec.image}] ${formatLoad(load)}`);
      expect(load.result.errors, "connection errors").toBe(0);
      expect(load.result.timeouts, "timeouts").toBe(0);
      expect(load.result.non2xx, "non-2xx responses").toBe(0);
      expect(load.result["2xx"], "2xx responses").toBe(amount);
      expect(load.memoryAfterBytes, "memory after the load").toBeLessThan(memoryCeilingBytes[app]);
    });
  });

  describe("parity: a client cannot tell the approaches apart", () => {
    parityTests(
      app,
      images.map(({ image }) => image),
    );
  });

  it("runs every approach with the same runtime config", () => {
    const [first, ...others] = specs.map((spec) => {
      const config = runtimeConfigs.get(spec);
      if (!config) throw new Error(`No config for ${spec.image}: its build or start failed above.`);
      return { spec, config };
    });
    for (const { spec, config } of others) {
      expect(config, `${spec.dockerfile} vs ${first?.spec.dockerfile}`).toEqual(first?.config);
    }
  });
});
