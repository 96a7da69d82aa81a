import type Docker from "dockerode";
import { catalogue, type ImageSpec } from "./catalogue.ts";

/**
 * What a run — of `pnpm images`, its benchmark or the image suite — creates on the engine besides
 * the catalogue's own tags, and how a later run finds it again. Every run cleans up after itself,
 * but an interrupted one (Ctrl-C, a killed CI job) cannot, and nothing else will.
 */

/** Label on every container a run creates; its value is the run's id. */
export const runLabel = "org.repo.run";

/** What a run builds its own tags for; each kind's tags are `<catalogue tag>-<kind>-<run id>…`. */
export type RunKind = "test" | "bench";
const runKinds: readonly RunKind[] = ["test", "bench"];

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

/** A run's tag for a catalogue image, e.g. `repo-api:multi-stage-test-1234-m1x2y3z4`. */
export const runTag = (spec: ImageSpec, kind: RunKind, runId: string) =>
  `${spec.image}-${kind}-${runId}`;

/** The run id in a tag runTag made (with anything appended to it); undefined for other tags. */
function runIdOfTag(tag: string): string | undefined {
  for (const spec of catalogue) {
    for (const kind of runKinds) {
      const prefix = `${spec.image}-${kind}-`;
      if (tag.startsWith(prefix)) return tag.slice(prefix.length);
    }
  }
  return undefined;
}

/**
 * Removes the containers and run tags that earlier runs left behind, reporting each one. Runs
 * whose process is still alive on this machine keep theirs, so runs may share an engine.
 */
export async function removeLeftovers(
  docker: Docker,
  report: (line: string) => void,
): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [runLabel] } });
  for (const container of containers) {
    if (!runIsOver(container.Labels[runLabel])) continue;
    await docker.getContainer(container.Id).remove({ force: true });
    // The engine reports names with a leading slash (the legacy link path).
    const names = container.Names.map((name) => name.replace(/^\//, "")).join(", ");
    report(`removed container ${names} of ${container.Image} (run ${container.Labels[runLabel]})`);
  }

  const leftTags = (await docker.listImages())
    .flatMap((image) => image.RepoTags ?? [])
    .filter((tag) => {
      const runId = runIdOfTag(tag);
      return runId !== undefined && runIsOver(runId);
    });
  for (const tag of leftTags) {
    // By tag, never by id: a run's image often shares its id with the catalogue's own tag.
    await docker.getImage(tag).remove();
    report(`removed image ${tag}`);
  }
}
