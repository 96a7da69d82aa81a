import type Docker from "dockerode";
import type { RuntimeBase } from "./catalogue.ts";
import { runCommand } from "./process.ts";

/** Label every local stand-in carries (see docker/bases/README.md). */
export const standInLabel = "org.repo.stand-in";

export interface BaseStatus {
  ref: string;
  origin: "present" | "pulled" | "stand-in built";
  standIn: boolean;
  sizeBytes: number;
}

async function pull(docker: Docker, ref: string): Promise<void> {
  const stream = await docker.pull(ref);
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (error: Error | null) =>
      error ? reject(error) : resolve(),
    ),
  );
}

/**
 * Makes sure every base exists locally: keep it, else pull it, else build the local stand-in under
 * the same reference (its recipe refuses a stand-in smaller than the upstream image).
 */
export async function ensureBaseImages(
  docker: Docker,
  bases: readonly RuntimeBase[],
  onLine: (line: string) => void,
): Promise<BaseStatus[]> {
  const statuses: BaseStatus[] = [];
  for (const base of new Map(bases.map((b) => [b.ref, b])).values()) {
    const present = await docker
      .getImage(base.ref)
      .inspect()
      .catch(() => undefined);
    const presentStandIn = present?.Config.Labels?.[standInLabel] === "true";
    let origin: BaseStatus["origin"] = "present";
    // A stand-in is only a fallback: whenever a registry answers, the upstream image replaces it.
    if (!present || presentStandIn) {
      try {
        onLine(`${base.ref}: pulling`);
        await pull(docker, base.ref);
        origin = "pulled";
      } catch (error) {
        onLine(`${base.ref}: pull failed (${(error as Error).message.split("\n")[0]})`);
        if (!present) {
          onLine(`${base.ref}: building the local stand-in from ${base.standIn}`);
          await runCommand("bash", ["docker/bases/build-stand-in.sh", base.ref], (line) =>
            onLine(`  ${line}`),
          );
          origin = "stand-in built";
        }
      }
    }
    const image = await docker.getImage(base.ref).inspect();
    const standIn = image.Config.Labels?.[standInLabel] === "true";
    onLine(`${base.ref}: ${standIn ? "LOCAL STAND-IN" : "upstream"} (${origin})`);
    statuses.push({ ref: base.ref, origin, standIn, sizeBytes: image.Size });
  }
  return statuses;
}
