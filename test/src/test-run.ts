import { catalogue, type ImageSpec } from "@repo/build";
import type Docker from "dockerode";

/**
 * What a run of the suite creates on the engine, and how a later run finds it again. The suite
 * cleans up after itself, but an interrupted run (Ctrl-C, a killed CI job) cannot, and with the
 * Ryuk reaper off (see vitest.config.ts) nothing else will.
 */

/** Label on every container the suite starts; its value is the run's id. */
export const testRunLabel = "org.repo.image-tests";

const testTagPrefix = (spec: ImageSpec) => `${spec.image}-test-`;

/** A run's tag for a catalogue image, e.g. `repo-api:multi-stage-test-m1x2y3z4`. */
export const testTag = (spec: ImageSpec, runId: string) => `${testTagPrefix(spec)}${runId}`;

/**
 * Removes the containers and test tags that earlier runs left behind, reporting each one. It
 * assumes one run per engine at a time: a run started alongside would lose its containers.
 */
export async function removeLeftovers(
  docker: Docker,
  report: (line: string) => void,
): Promise<void> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [testRunLabel] },
  });
  for (const container of containers) {
    await docker.getContainer(container.Id).remove({ force: true });
    // The engine reports names with a leading slash (the legacy link path).
    const names = container.Names.map((name) => name.replace(/^\//, "")).join(", ");
    report(
      `removed container ${names} of ${container.Image} (run ${container.Labels[testRunLabel]})`,
    );
  }

  const testTags = (await docker.listImages())
    .flatMap((image) => image.RepoTags ?? [])
    .filter((tag) => catalogue.some((spec) => tag.startsWith(testTagPrefix(spec))));
  for (const tag of testTags) {
    // By tag, never by id: a test image often shares its id with the catalogue's own tag.
    await docker.getImage(tag).remove();
    report(`removed image ${tag}`);
  }
}
