import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  type BuildCatalogueImageOptions,
  type BuildStep,
  type BuiltImage,
  buildCatalogueImage,
  catalogue,
  connectDocker,
  formatProgress,
  ImageBuildError,
  type ImageSpec,
  isStepEvent,
  newRunId,
  repoRoot,
  runLabel,
  runTag,
} from "@repo/build";
import { describe, expect, it } from "vitest";
import { appFiles, differences, digestOf } from "./app-files.ts";

/**
 * What the multi-stage approach promises beyond a working image: the same output from every
 * build, a dependency layer that survives source edits, and unit tests that can stop a build.
 */

const docker = await connectDocker();
const runId = newRunId();
const minutes = (count: number) => count * 60_000;

/**
 * Builds the spec's image under a throwaway tag of this run (`variant` tells the builds of one
 * test apart); disposing the result removes the tag.
 */
async function buildVariant(
  spec: ImageSpec,
  variant: string,
  options: Omit<BuildCatalogueImageOptions, "tag" | "onProgress"> = {},
): Promise<BuiltImage & { output: string[] } & AsyncDisposable> {
  const tag = runTag(spec, "test", `${runId}-${variant}`);
  const output: string[] = [];
  const built = await buildCatalogueImage(docker, spec, {
    ...options,
    tag,
    onProgress: (event) => {
      if (isStepEvent(event)) console.log(`[${tag}] ${formatProgress(event)}`);
      else if (event.kind === "output") output.push(event.text);
    },
  });
  console.log(`[${tag}] built in ${built.buildSeconds.toFixed(1)} s`);
  return {
    ...built,
    output,
    [Symbol.asyncDispose]: () => docker.getImage(tag).remove({ force: true }),
  };
}

/** The application files of a built image, read from a container that is created, never started. */
async function appFilesOf(spec: ImageSpec, tag: string): Promise<Map<string, string>> {
  const container = await docker.createContainer({ Image: tag, Labels: { [runLabel]: runId } });
  try {
    return await appFiles(container, spec.appRoot);
  } finally {
    await container.remove({ force: true });
  }
}

/** The one step of `stage` whose instruction matches, as BuildKit named it in the build. */
function stepOf(steps: BuildStep[], stage: string, instruction: RegExp): BuildStep {
  const matching = steps.filter(
    (step) => step.name.startsWith(`[${stage} `) && instruction.test(step.name),
  );
  expect(
    matching,
    `one "${stage}" step matching ${instruction} among:\n${steps.map((step) => step.name).join("\n")}`,
  ).toHaveLength(1);
  return matching[0] as BuildStep;
}

const stepLine = (step: BuildStep) => `${step.cached ? "CACHED" : "ran"}: ${step.name}`;

describe.each(catalogue.filter((spec) => spec.approach === "multiStage"))("$image", (spec) => {
  it(
    "builds identical application files twice without cache",
    async () => {
      await using first = await buildVariant(spec, "first", { noCache: true });
      await using second = await buildVariant(spec, "second", { noCache: true });
      const firstFiles = await appFilesOf(spec, first.tag);
      const secondFiles = await appFilesOf(spec, second.tag);
      console.log(
        `[${spec.image}] ${firstFiles.size} entries under ${spec.appRoot}: ` +
          `sha256 ${digestOf(firstFiles)} then ${digestOf(secondFiles)} ` +
          `(${first.buildSeconds.toFixed(1)} s and ${second.buildSeconds.toFixed(1)} s without cache)`,
      );
      expect(firstFiles.size, `entries under ${spec.appRoot}`).toBeGreaterThan(0);
      expect(differences(firstFiles, secondFiles)).toEqual([]);
    },
    minutes(10),
  );

  // Manifests are copied before sources, so the install's cache key never sees a source file.
  it(
    "takes the dependency install from the cache after a source edit, and rebuilds the app",
    async () => {
      await using _warm = await buildVariant(spec, "warm");
      const source = await readFile(path.join(repoRoot, spec.workspace.sourceFile), "utf8");
      // Unique to the run: an edit built before would find the build step cached as well.
      const edit = `${source}\n// cache probe of image-tests run ${runId}\n`;
      await using edited = await buildVariant(spec, "edited", {
        contextEdits: { [spec.workspace.sourceFile]: edit },
      });
      const install = stepOf(edited.steps, "deps", /\bpnpm install --frozen-lockfile\b/);
      const build = stepOf(edited.steps, "build", /\bturbo run build\b/);
      console.log(
        `[${spec.image}] after editing ${spec.workspace.sourceFile} ` +
          `(${edited.buildSeconds.toFixed(1)} s):\n  ${stepLine(install)}\n  ${stepLine(build)}`,
      );
      expect(install.cached, stepLine(install)).toBe(true);
      expect(build.cached, `${stepLine(build)}: the edit never reached the build`).toBe(false);
    },
    minutes(5),
  );

  it(
    "runs the unit tests with --target test",
    async () => {
      // A test file unique to the run: the step cannot come from the cache, and the runner's
      // output must name the file among the ones it ran.
      const probe = `${spec.workspace.dir}/src/image-tests-probe-${runId}.test.ts`;
      await using tested = await buildVariant(spec, "test", {
        target: "test",
        contextEdits: {
          [probe]: [
            'import { expect, it } from "vitest";',
            `it("runs inside the test stage", () => expect(1 + 1).toBe(2));`,
            "",
          ].join("\n"),
        },
      });
      const unitTests = stepOf(tested.steps, "test", /\bturbo run test\b/);
      console.log(`[${spec.image}] ${stepLine(unitTests)}`);
      expect(unitTests.cached, stepLine(unitTests)).toBe(false);
      expect(tested.output.join("\n")).toContain(path.basename(probe));
    },
    minutes(5),
  );

  it(
    "fails --target test when a unit test fails, naming the test",
    async () => {
      const testName = `fails on purpose in image-tests run ${runId}`;
      const failingTest = `${spec.workspace.dir}/src/image-tests-failing.test.ts`;
      const outcome = await buildVariant(spec, "failing-test", {
        target: "test",
        contextEdits: {
          [failingTest]: [
            'import { expect, it } from "vitest";',
            `it(${JSON.stringify(testName)}, () => expect(1 + 1).toBe(3));`,
            "",
          ].join("\n"),
        },
      }).then(
        async (built) => {
          await built[Symbol.asyncDispose]();
          return built;
        },
        (error: unknown) => error,
      );
      expect(outcome, "the build's outcome").toBeInstanceOf(ImageBuildError);
      expect((outcome as ImageBuildError).output.join("\n")).toContain(testName);
    },
    minutes(5),
  );
});
