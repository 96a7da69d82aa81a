import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type Docker from "dockerode";
import type { ProgressEvent } from "./buildkit.ts";
import type { ImageSpec } from "./catalogue.ts";
import { type BuildCatalogueImageOptions, type BuiltImage, buildCatalogueImage } from "./images.ts";
import { type LayerSplit, measureLayerSplit } from "./layers.ts";
import { repoRoot } from "./repo.ts";
import type { MeasuredImage } from "./report.ts";
import { newRunId, runLabel, runTag } from "./runs.ts";
import { appendSourceEdit } from "./source-edit.ts";

/** Where a benchmark ran: figures from different machines are not comparable. */
export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
  os: string;
  docker: string;
}

/** Repeated measurements of one figure, in seconds, and their median. */
export interface Sample {
  median: number;
  runs: number[];
}

export interface BenchmarkFigures {
  /** ISO 8601 time the benchmark of this image ended. */
  measuredAt: string;
  machine: Machine;
  runs: number;
  /** Nothing cached: no layer cache; for host-built, the host build rerun (`turbo --force`). */
  coldSeconds: Sample;
  /** After a one-line source edit, with the caches of the previous build. */
  warmSeconds: Sample;
  /** From `docker start` to the image's own HEALTHCHECK passing, probed every 0.1 s. */
  startToHealthySeconds: Sample;
  /** `docker stop` with a 10 s grace, on an idle container. */
  stopSeconds: Sample;
  /** Multi-stage only: the build stage as an image (`--target build`), i.e. without multi-stage. */
  buildStageBytes?: number;
}

export interface BenchmarkOptions {
  runs: number;
  machine: Machine;
  /** Announces each phase: which build of which kind, which measurement. */
  onPhase: (text: string) => void;
  onProgress: (event: ProgressEvent) => void;
}

// One id for all the benchmark's tags and containers: the catalogue's images are neither replaced
// nor removed, and a later run removes what an interrupted one left (see runs.ts).
const benchRunId = newRunId();
const benchTag = (spec: ImageSpec, suffix = "") => runTag(spec, "bench", `${benchRunId}${suffix}`);

// The images' HEALTHCHECK probes every 10 s, which would make every image look equally slow to
// start: probing the same command every 0.1 s measures the server instead of the interval.
const probeIntervalNanoseconds = 100_000_000;
const healthyWithinMs = 60_000;
const stopGraceSeconds = 10;

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("The median of no values is undefined.");
  const sorted = values.toSorted((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

const round = (seconds: number) => Math.round(seconds * 100) / 100;
const toSample = (runs: number[]): Sample => ({
  median: round(median(runs)),
  runs: runs.map(round),
});

/** The machine the engine runs on, as far as the engine and this process can tell. */
export async function readMachine(docker: Docker): Promise<Machine> {
  const info = (await docker.info()) as { NCPU: number; MemTotal: number; ServerVersion: string };
  return {
    cpus: info.NCPU,
    cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
    memoryBytes: info.MemTotal,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    docker: `Docker Engine ${info.ServerVersion}`,
  };
}

async function removeImage(docker: Docker, tag: string): Promise<void> {
  await docker
    .getImage(tag)
    .remove()
    .catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404) throw error;
    });
}

async function waitUntilHealthy(container: Docker.Container, tag: string): Promise<void> {
  const deadline = performance.now() + healthyWithinMs;
  while (performance.now() < deadline) {
    const { State } = await container.inspect();
    const health = State.Health?.Status;
    if (health === "healthy") return;
    if (health === "unhealthy" || !State.Running) {
      const lastProbe = State.Health?.Log?.at(-1)?.Output?.trim();
      throw new Error(
        `A container of ${tag} became ${State.Running ? "unhealthy" : `exited (${State.ExitCode})`}` +
          `${lastProbe ? `; its last health probe said: ${lastProbe}` : ""}. ` +
          `Check its logs with \`docker logs ${container.id}\` after starting it the same way.`,
      );
    }
    await sleep(50);
  }
  throw new Error(
    `A container of ${tag} was not healthy within ${healthyWithinMs / 1000} s. ` +
      "Start it by hand and read `docker inspect --format '{{json .State.Health}}'` to see why.",
  );
}

/**
 * Starts a container of the image the way the catalogue says it runs (its user, a read-only root
 * filesystem, its tmpfs mounts), and times it to healthy and through `docker stop`.
 */
export async function timeStartAndStop(
  docker: Docker,
  spec: ImageSpec,
  tag: string,
): Promise<{ startToHealthySeconds: number; stopSeconds: number }> {
  const container = await docker.createContainer({
    Image: tag,
    User: spec.runtime.user,
    Labels: { [runLabel]: benchRunId },
    // Without a test the engine keeps the image's own probe command.
    Healthcheck: { Interval: probeIntervalNanoseconds },
    HostConfig: {
      ReadonlyRootfs: spec.runtime.readOnlyRootFilesystem,
      Tmpfs: spec.runtime.tmpfs,
    },
  });
  try {
    const starting = performance.now();
    await container.start();
    await waitUntilHealthy(container, tag);
    const startToHealthySeconds = (performance.now() - starting) / 1000;
    const stopping = performance.now();
    await container.stop({ t: stopGraceSeconds });
    return { startToHealthySeconds, stopSeconds: (performance.now() - stopping) / 1000 };
  } finally {
    await container.remove({ force: true });
  }
}

/**
 * Measures one catalogue image: `runs` cold builds (each also timed to healthy and through
 * `docker stop`), for a multi-stage image its build stage's size, then `runs` warm builds, each
 * after a new one-line edit of the app's source file (restored after every build). It builds
 * under tags of its own and removes them: the catalogue's images stay as they were.
 */
export async function benchmarkImage(
  docker: Docker,
  spec: ImageSpec,
  { runs, machine, onPhase, onProgress }: BenchmarkOptions,
): Promise<MeasuredImage & { benchmark: BenchmarkFigures }> {
  // Every build is removed once measured: a rebuild under the same tag would leave the previous
  // image dangling. The build cache, which the warm builds need, outlives the images.
  const measure = async <T>(
    options: BuildCatalogueImageOptions & { tag: string },
    use: (built: BuiltImage) => Promise<T>,
  ): Promise<T> => {
    try {
      return await use(await buildCatalogueImage(docker, spec, { onProgress, ...options }));
    } finally {
      await removeImage(docker, options.tag);
    }
  };
  const tag = benchTag(spec);
  const cold: number[] = [];
  const healthy: number[] = [];
  const stop: number[] = [];
  let last: { built: BuiltImage; layers: LayerSplit } | undefined;
  for (let run = 1; run <= runs; run++) {
    onPhase(`cold build ${run}/${runs}${spec.hostArtifact ? " (host build forced)" : ""}`);
    last = await measure({ tag, noCache: true }, async (built) => {
      cold.push(built.buildSeconds);
      const layers = await measureLayerSplit(docker, tag, spec.runtimeBase);
      onPhase(`start to healthy, then docker stop ${run}/${runs}`);
      const times = await timeStartAndStop(docker, spec, tag);
      healthy.push(times.startToHealthySeconds);
      stop.push(times.stopSeconds);
      return { built, layers };
    });
  }
  if (!last) throw new Error(`A benchmark needs at least one run, got ${runs}.`);

  let buildStageBytes: number | undefined;
  if (spec.approach === "multiStage") {
    onPhase("build stage as an image (--target build): the size without multi-stage");
    buildStageBytes = await measure(
      { tag: benchTag(spec, "-build-stage"), target: "build" },
      async (built) => built.sizeBytes,
    );
  }

  const warm: number[] = [];
  const sourceFile = path.join(repoRoot, spec.workspace.sourceFile);
  for (let run = 1; run <= runs; run++) {
    onPhase(`warm build ${run}/${runs} after a one-line edit of ${spec.workspace.sourceFile}`);
    using _edit = appendSourceEdit(sourceFile, `${new Date().toISOString()}, warm ${run}`);
    warm.push(await measure({ tag }, async (built) => built.buildSeconds));
  }

  // The last cold build stands for the image: what a clean checkout builds; its build time is the
  // median of the cold builds, as in the benchmark table.
  const coldSeconds = toSample(cold);
  return {
    layers: last.layers,
    built: { ...last.built, buildSeconds: coldSeconds.median },
    benchmark: {
      measuredAt: new Date().toISOString(),
      machine,
      runs,
      coldSeconds,
      warmSeconds: toSample(warm),
      startToHealthySeconds: toSample(healthy),
      stopSeconds: toSample(stop),
      ...(buildStageBytes === undefined ? {} : { buildStageBytes }),
    },
  };
}
