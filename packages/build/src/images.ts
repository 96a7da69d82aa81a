import type Docker from "dockerode";
import { buildImage } from "./build.ts";
import type { ProgressEvent } from "./buildkit.ts";
import type { ImageSpec } from "./catalogue.ts";
import { stageHostArtifact } from "./host-artifacts.ts";

export interface BuiltImage {
  spec: ImageSpec;
  tag: string;
  sizeBytes: number;
  /** Host staging (host-built only) plus the image build. */
  buildSeconds: number;
  contextBytes: number;
}

export interface BuildCatalogueImageOptions {
  /** Tag to build instead of the catalogue's (the image suite uses throwaway tags). */
  tag?: string;
  onProgress?: (event: ProgressEvent) => void;
}

/**
 * Builds one catalogue image the way its approach prescribes: host-built images first stage their
 * host artifact, multi-stage images build everything inside Docker. Bases must already exist
 * (see ensureBaseImages).
 */
export async function buildCatalogueImage(
  docker: Docker,
  spec: ImageSpec,
  { tag = spec.image, onProgress = () => {} }: BuildCatalogueImageOptions = {},
): Promise<BuiltImage> {
  const hostSeconds = spec.hostArtifact
    ? await stageHostArtifact(spec.hostArtifact, onProgress)
    : 0;
  const result = await buildImage(
    docker,
    { dockerfile: spec.dockerfile, tag, buildArgs: spec.buildArgs },
    onProgress,
  );
  const { Size } = await docker.getImage(tag).inspect();
  return {
    spec,
    tag,
    sizeBytes: Size,
    buildSeconds: hostSeconds + result.seconds,
    contextBytes: result.context.bytes,
  };
}
