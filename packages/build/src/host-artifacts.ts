import { cp, rm } from "node:fs/promises";
import path from "node:path";
import type { ProgressEvent } from "./buildkit.ts";
import type { ImageSpec } from "./catalogue.ts";
import { runCommand } from "./process.ts";
import { finishProductionFolder } from "./production-folder.ts";
import { repoRoot } from "./repo.ts";

export interface StageOptions {
  /** Rebuild on the host even when turbo has the outputs cached (a cold build). */
  force?: boolean;
}

/**
 * Builds an image's workspace package on the host and stages the folder its host-built Dockerfile
 * copies. Returns the seconds it took: host-built build time includes this step.
 */
export async function stageHostArtifact(
  spec: ImageSpec,
  onProgress: (event: ProgressEvent) => void,
  { force = false }: StageOptions = {},
): Promise<number> {
  const artifact = spec.hostArtifact;
  if (!artifact) throw new Error(`${spec.image} is not host-built: it has no host artifact.`);
  const started = performance.now();
  const run = async (args: string[]) => {
    onProgress({ kind: "step", text: `[host] pnpm ${args.join(" ")}` });
    await runCommand("pnpm", args, (text) => onProgress({ kind: "output", text }));
  };
  const packageName = spec.workspace.package;
  await run(["turbo", "run", "build", `--filter=${packageName}`, ...(force ? ["--force"] : [])]);
  const target = path.join(repoRoot, artifact.dir);
  await rm(target, { recursive: true, force: true });
  if (artifact.copyFrom) {
    onProgress({ kind: "step", text: `[host] copy ${artifact.copyFrom} to ${artifact.dir}` });
    await cp(path.join(repoRoot, artifact.copyFrom), target, { recursive: true });
  } else {
    await run([`--filter=${packageName}`, "deploy", "--prod", artifact.dir]);
    onProgress({ kind: "step", text: `[host] trim ${artifact.dir} to what the runtime reads` });
    await finishProductionFolder(target);
  }
  return (performance.now() - started) / 1000;
}
