import type Docker from "dockerode";
import type { RuntimeBase } from "./catalogue.ts";

/** A final image's size by what its layers hold; the three parts sum to the image's size. */
export interface LayerSplit {
  /** The base the final stage starts from. */
  runtimeBase: string;
  baseBytes: number;
  /** Layers that copy a node_modules folder: the app's production dependencies. */
  dependenciesBytes: number;
  /** Every other layer above the base: the app's own files and config. */
  appBytes: number;
}

/** One entry of the engine's image history; empty layers (ENV, USER, ...) have size 0. */
export interface HistoryEntry {
  CreatedBy: string;
  Size: number;
}

// BuildKit records `COPY <src> <dest> # buildkit`; the classic builder `#(nop) COPY dir:<hash> in <dest>`.
const copiesDependencies = (createdBy: string) => /\bCOPY\b.*\bnode_modules\b/.test(createdBy);

/**
 * Splits an image's history (newest first, as the engine lists it) into its runtime base — the
 * oldest `baseEntries` entries, which the image inherited from that base — dependencies and app.
 */
export function splitLayers(
  history: readonly HistoryEntry[],
  baseEntries: number,
  runtimeBase: string,
): LayerSplit {
  const oldestFirst = history.toReversed();
  const sum = (entries: readonly HistoryEntry[]) =>
    entries.reduce((total, entry) => total + entry.Size, 0);
  const above = oldestFirst.slice(baseEntries);
  return {
    runtimeBase,
    baseBytes: sum(oldestFirst.slice(0, baseEntries)),
    dependenciesBytes: sum(above.filter((entry) => copiesDependencies(entry.CreatedBy))),
    appBytes: sum(above.filter((entry) => !copiesDependencies(entry.CreatedBy))),
  };
}

const startsWith = (layers: readonly string[], prefix: readonly string[]) =>
  prefix.length <= layers.length && prefix.every((layer, index) => layers[index] === layer);

/**
 * The layers an image inherited from its runtime base, proving on the way that its final stage
 * really is FROM that base as it is now.
 */
export async function runtimeBaseLayers(
  docker: Docker,
  tag: string,
  runtimeBase: RuntimeBase,
): Promise<string[]> {
  const [image, base] = await Promise.all(
    [tag, runtimeBase.ref].map((ref) => docker.getImage(ref).inspect()),
  );
  const baseLayers = base?.RootFS.Layers ?? [];
  if (!startsWith(image?.RootFS.Layers ?? [], baseLayers)) {
    throw new Error(
      `${tag} does not start with the layers of its runtime base ${runtimeBase.ref}: either its ` +
        "final stage is FROM another image (check the Dockerfile's last FROM and its build args) " +
        "or the base changed after the build. Build the image again.",
    );
  }
  return baseLayers;
}

/** The size split of a built image into its runtime base, dependencies and app. */
export async function measureLayerSplit(
  docker: Docker,
  tag: string,
  runtimeBase: RuntimeBase,
): Promise<LayerSplit> {
  await runtimeBaseLayers(docker, tag, runtimeBase);
  const { Size } = await docker.getImage(tag).inspect();
  const baseHistory = (await docker.getImage(runtimeBase.ref).history()) as HistoryEntry[];
  const history = (await docker.getImage(tag).history()) as HistoryEntry[];
  const split = splitLayers(history, baseHistory.length, runtimeBase.ref);
  const total = split.baseBytes + split.dependenciesBytes + split.appBytes;
  if (total !== Size) {
    throw new Error(
      `The layers of ${tag} add up to ${total} bytes but the engine reports ${Size}: ` +
        "this engine sizes images differently from their layers, so the split would mislead.",
    );
  }
  return split;
}
