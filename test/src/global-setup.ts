import { catalogue, connectDocker, ensureBaseImages } from "@repo/build";
import { removeLeftovers } from "./test-run.ts";

/**
 * Runs once before any image is built. An unreachable engine fails the run with the reason and
 * what to do — the suite never skips. Leftovers of interrupted runs are removed, and every base
 * image the catalogue names is made available (pulled, else built as a local stand-in) up front,
 * so the image builds that follow only build.
 */
export default async function setup(): Promise<void> {
  const docker = await connectDocker();
  await removeLeftovers(docker, (line) => console.log(`[leftovers] ${line}`));
  await ensureBaseImages(
    docker,
    catalogue.flatMap((spec) => spec.bases),
    (line) => console.log(`[base images] ${line}`),
  );
}
