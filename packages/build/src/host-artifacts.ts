import { cp, rm } from "node:fs/promises";
import path from "node:path";
import type { HostArtifact } from "./catalogue.ts";
import { runCommand } from "./process.ts";
import { repoRoot } from "./repo.ts";

/**
 * Builds a workspace package on the host and stages the folder its host-built image copies.
 * Returns the seconds it took: host-built build time includes this step.
 */
export async function stageHostArtifact(
  artifact: HostArtifact,
  onLine: (line: string) => void,
): Promise<number> {
  const started = performance.now();
  await runCommand("pnpm", ["turbo", "run", "build", `--filter=${artifact.package}`], onLine);
  const target = path.join(repoRoot, artifact.dir);
  await rm(target, { recursive: true, force: true });
  if (artifact.copyFrom) {
    await cp(path.join(repoRoot, artifact.copyFrom), target, { recursive: true });
  } else {
    await runCommand("pnpm", [`--filter=${artifact.package}`, "deploy", "--prod", artifact.dir], onLine);
  }
  return (performance.now() - started) / 1000;
}
