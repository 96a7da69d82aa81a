import type Docker from "dockerode";
import { buildImage, type SentContext } from "./build.ts";
import type { BuildStep, ProgressEvent } from "./buildkit.ts";
import type { ImageSpec } from "./catalogue.ts";
import type { ContextEdits } from "./context.ts";
import { stageHostArtifact } from "./host-artifacts.ts";
import { checkToolchainDrift } from "./toolchain-drift.ts";

export interface BuiltImage {
  spec: ImageSpec;
  tag: string;
  sizeBytes: number;
  /** Host staging (host-built only) plus the image build. */
  buildSeconds: number;
  /** The host build and staging of a host-built image; 0 for multi-stage. */
  hostSeconds: number;
  imageSeconds: number;
  /** What was sent to the engine. */
  context: SentContext;
  /** Every step BuildKit ran or took from its cache, in order. */
  steps: BuildStep[];
  /**
   * Host-built only: how the host's toolchain differs from the runtime image's in ways that
   * cannot break the image; a difference that can stops the build (ToolchainDriftError).
   */
  toolchainDrift?: string[];
}

export interface BuildCatalogueImageOptions {
  /** Tag to build instead of the catalogue's (the image suite uses throwaway tags). */
  tag?: string;
  onProgress?: (event: ProgressEvent) => void;
  /** A cold build: nothing from the build cache, and the host build (host-built) rerun by turbo. */
  noCache?: boolean;
  /** A stage to stop at instead of the final one, e.g. `test` or `build`. */
  target?: string;
  /** Files added to or replaced in the build context only (see ContextEdits). */
  contextEdits?: ContextEdits;
}

/**
 * Builds one catalogue image the way its approach prescribes: host-built images first stage their
 * host artifact and check it against the runtime image's toolchain (see checkToolchainDrift),
 * multi-stage images build everything inside Docker. Bases must already exist (see
 * ensureBaseImages).
 */
export async function buildCatalogueImage(
  docker: Docker,
  spec: ImageSpec,
  {
    tag = spec.image,
    onProgress = () => {},
    noCache = false,
    target,
    contextEdits,
  }: BuildCatalogueImageOptions = {},
): Promise<BuiltImage> {
  let hostSeconds = 0;
  let toolchainDrift: string[] | undefined;
  if (spec.hostArtifact) {
    hostSeconds = await stageHostArtifact(spec, onProgress, { force: noCache });
    onProgress({
      kind: "step",
      text: `[host] check ${spec.hostArtifact.dir} against ${spec.runtimeBase.ref}`,
    });
    // Not timed: the check guards the build, it is not part of what the approach costs.
    const findings = await checkToolchainDrift(docker, {
      runtimeImage: spec.runtimeBase.ref,
      stagedDir: spec.hostArtifact.dir,
    });
    toolchainDrift = findings.map((finding) => finding.message);
    for (const warning of toolchainDrift)
      onProgress({ kind: "step", text: `[host] warning: ${warning}` });
  }
  const result = await buildImage(
    docker,
    {
      dockerfile: spec.dockerfile,
      tag,
      buildArgs: spec.buildArgs,
      noCache,
      ...(target ? { target } : {}),
      ...(contextEdits ? { contextEdits } : {}),
    },
    onProgress,
  );
  const { Size } = await docker.getImage(tag).inspect();
  return {
    spec,
    tag,
    sizeBytes: Size,
    buildSeconds: hostSeconds + result.seconds,
    hostSeconds,
    imageSeconds: result.seconds,
    context: result.context,
    steps: result.steps,
    ...(toolchainDrift ? { toolchainDrift } : {}),
  };
}
