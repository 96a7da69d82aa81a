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

/**
 * A run's id: the pid of the process that creates its containers and images, then a timestamp.
 * The pid tells a leftover (its process is gone) from the work of a run still going.
 */
export const newRunId = () => `${process.pid}-${Date.now().toString(36)}`;

function runIsOver(runId: string | undefined): boolean {
  const pid = Number(runId?.split("-")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** A run's tag for a catalogue image, e.g. `repo-api:multi-stage-test-m1x2y3z4`. */
export const testTag = (spec: ImageSpec, runId: string) => `${testTagPrefix(spec)}${runId}`;

/**
 * Removes the containers and test tags that earlier runs left behind, reporting each one. Runs
 * whose process is still alive on this machine keep theirs, so runs may share an engine.
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
    if (!runIsOver(container.Labels[testRunLabel])) continue;
    await docker.getContainer(container.Id).remove({ force: true });
    // The engine reports names with a leading slash (the legacy link path).
    const names = container.Names.map((name) => name.replace(/^\//, "")).join(", ");
    report(
      `removed container ${names} of ${container.Image} (run ${container.Labels[testRunLabel]})`,
    );
  }

  const testTags = (await docker.listImages())
    .flatMap((image) => image.RepoTags ?? [])
    .filter((tag) => catalogue.some((spec) => tag.startsWith(testTagPrefix(spec))))
    .filter((tag) => runIsOver(tag.slice(tag.lastIndexOf("-test-") + "-test-".length)));
  for (const tag of testTags) {
    // By tag, never by id: a test image often shares its id with the catalogue's own tag.
    await docker.getImage(tag).remove();
    report(`removed image ${tag}`);
  }
}
