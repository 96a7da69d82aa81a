import path from "node:path";
import {
  assertNoLeftoverEdit,
  catalogue,
  connectDocker,
  ensureBaseImages,
  removeLeftovers,
  repoRoot,
} from "@repo/build";
import type { TestProject } from "vitest/node";
import { plantEnvCanaries, removePlantedFiles } from "./canary.ts";
import { dirtyHost } from "./dirty-host.ts";

/**
 * Runs once before any image is built. An unreachable engine fails the run with the reason and
 * what to do — the suite never skips. Leftovers of interrupted runs are removed, and every base
 * image the catalogue names is made available (pulled, else built as a local stand-in) up front,
 * so the image builds that follow only build. Last, the working tree is made to look like a
 * developer's — fake secrets in `.env` files, junk and canaries in `node_modules` — until the
 * returned teardown removes them again.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const docker = await connectDocker();
  // An edit an interrupted `pnpm images bench` left would be built into every image under test.
  for (const spec of catalogue)
    assertNoLeftoverEdit(path.join(repoRoot, spec.workspace.sourceFile));
  await removeLeftovers(docker, (line) => console.log(`[leftovers] ${line}`));
  for (const file of await removePlantedFiles()) {
    console.log(`[leftovers] removed ${file}, planted by an interrupted run`);
  }
  await ensureBaseImages(
    docker,
    catalogue.flatMap((spec) => spec.bases),
    (line) => console.log(`[base images] ${line}`),
  );

  const removePlanted = async () => {
    console.log(`[canaries] removed ${(await removePlantedFiles()).join(", ")}`);
  };
  try {
    const secrets = await plantEnvCanaries((line) => console.log(`[canaries] ${line}`));
    const nodeModules = await dirtyHost((line) => console.log(`[dirty host] ${line}`));
    project.provide("canaries", [...secrets, ...nodeModules]);
  } catch (error) {
    await removePlanted();
    throw error;
  }
  return removePlanted;
}
