import { cp, rm } from "node:fs/promises";
import path from "node:path";
import type { ProgressEvent } from "./buildkit.ts";
import type { HostArtifact } from "./catalogue.ts";
import { runCommand } from "./process.ts";
import { repoRoot } from "./repo.ts";

/**
 * Builds a workspace package on the host and stages the folder its host-built image copies.
 * Returns the seconds it took: host-built build time includes this step.
 */
export async function stageHostArtifact(
  artifact: HostArtifact,
  onProgress: (event: ProgressEvent) => void,
): Promise<number> {
  const started = performance.now();
  const run = async (args: string[]) => {
    onProgress({ kind: "step", text: `[host] pnpm ${args.join(" ")}` });
    await runCommand("pnpm", args, (text) => onProgress({ kind: "output", text }));
  };
  await run(["turbo", "run", "build", `--filter=${artifact.package}`]);
  const target = path.join(repoRoot, artifact.dir);
  await rm(target, { recursive: true, force: true });
  if (artifact.copyFrom) {
    onProgress({ kind: "step", text: `[host] copy ${artifact.copyFrom} to ${artifact.dir}` });
    await cp(path.join(repoRoot, artifact.copyFrom), target, { recursive: true });
  } else {
    await run([`--filter=${artifact.package}`, "deploy", "--prod", artifact.dir]);
  }
  return (performance.now() - started) / 1000;
}
