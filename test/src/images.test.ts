import {
  type AppName,
  catalogue,
  connectDocker,
  formatMegabytes,
  type ImageSpec,
  runtimeBases,
  standInLabel,
} from "@repo/build";
import type Docker from "dockerode";
import { beforeAll, describe, expect, it } from "vitest";
import { apiServingTests } from "./api-serving.ts";
import {
  type ImageConfig,
  imageUnderTest,
  pathExists,
  type RunningImage,
} from "./image-under-test.ts";
import { webServingTests } from "./web-serving.ts";

const docker = await connectDocker();

/** What each app's image must serve; an app added to the catalogue must add its tests here. */
const servingTests: Record<AppName, (image: () => RunningImage, docker: Docker) => void> = {
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

describe.each(Object.values(runtimeBases))("base $ref", (base) => {
  it("is covered by the size the budgets count for it", async () => {
    const { Size, Config } = await docker.getImage(base.ref).inspect();
    expect(Size).toBeLessThanOrEqual(base.budgetBytes);
    // A stand-in records the upstream image's published size; the budget must cover that too.
    const upstreamBytes = Number(Config.Labels?.[`${standInLabel}.upstream-size`] ?? 0);
    expect(upstreamBytes).toBeLessThanOrEqual(base.budgetBytes);
  });
});

describe.each([...new Set(catalogue.map((spec) => spec.app))])("%s images", (app) => {
  const specs = catalogue.filter((spec) => spec.app === app);
  const runtimeConfigs = new Map<ImageSpec, Record<string, unknown>>();

  describe.each(specs)("$approach ($dockerfile)", (spec) => {
    const image = imageUnderTest(docker, spec);
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

    it("reports healthy through its own HEALTHCHECK", async () => {
      expect((await image().container.inspect()).State.Health?.Status).toBe("healthy");
    });

    it.each(spec.forbiddenPaths)("leaves %s out", async (path) => {
      expect(await pathExists(image().container, path)).toBe(false);
    });

    servingTests[app](image, docker);
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
