import {
  type BuiltImage,
  buildCatalogueImage,
  formatMegabytes,
  formatProgress,
  type ImageSpec,
  isStepEvent,
} from "@repo/build";
import type Docker from "dockerode";
import {
  GenericContainer,
  type StartedTestContainer,
  Wait,
  type WaitStrategy,
} from "testcontainers";
import { aroundAll } from "vitest";

/** The image's config as the engine reports it; @types/dockerode lacks StopSignal. */
export type ImageConfig = Docker.ImageInspectInfo["Config"] & { StopSignal?: string };

/** One catalogue image, built for this run, with a container of it started and healthy. */
export interface RunningImage {
  spec: ImageSpec;
  built: BuiltImage;
  config: ImageConfig;
  /** Engine handle of the running container: inspect, top, archive. */
  container: Docker.Container;
  /** Where the container's port is published, e.g. `http://localhost:32768`. */
  baseUrl: string;
}

// Unique per run, so a run never touches the catalogue's own tags or another run's images.
const runId = Date.now().toString(36);

async function buildTestImage(
  docker: Docker,
  spec: ImageSpec,
): Promise<BuiltImage & AsyncDisposable> {
  const tag = `${spec.image}-test-${runId}`;
  const staging = spec.hostArtifact ? `, staging ${spec.hostArtifact.dir} on the host first` : "";
  console.log(`[${tag}] ${spec.approach} build of ${spec.dockerfile}${staging}`);
  const built = await buildCatalogueImage(docker, spec, {
    tag,
    // Steps and cache hits only: enough for a CI log to show which step runs.
    onProgress: (event) => {
      if (isStepEvent(event)) console.log(`[${tag}] ${formatProgress(event)}`);
    },
  });
  console.log(
    `[${tag}] built in ${built.buildSeconds.toFixed(1)} s ` +
      `(context ${formatMegabytes(built.contextBytes)})`,
  );
  // Forced: removes the tag even while a container of it is still being torn down.
  return { ...built, [Symbol.asyncDispose]: () => docker.getImage(tag).remove({ force: true }) };
}

/**
 * Starts a container of a built image with its port published. By default it waits for the
 * image's own HEALTHCHECK to pass, so "started" means what an orchestrator would call ready.
 * A container that never gets ready is removed, and its output goes into the error.
 */
export async function startContainer(
  spec: ImageSpec,
  tag: string,
  waitStrategy: WaitStrategy = Wait.forHealthCheck(),
): Promise<StartedTestContainer> {
  const output: string[] = [];
  try {
    return await new GenericContainer(tag)
      .withExposedPorts(spec.port)
      .withWaitStrategy(waitStrategy)
      .withStartupTimeout(60_000)
      .withLogConsumer((stream) => stream.on("data", (chunk) => output.push(String(chunk))))
      .start();
  } catch (error) {
    throw new Error(
      `A container of ${tag} did not get ready: ${(error as Error).message}. ` +
        `Its output says why:\n${output.join("").trimEnd() || "(no output)"}`,
      { cause: error },
    );
  }
}

/**
 * Builds the spec's image and runs one container of it around the enclosing suite. The container
 * and the image are removed when the suite ends — also when the build, the start or a test fails.
 * The returned accessor is valid inside the suite's tests and hooks.
 */
export function imageUnderTest(docker: Docker, spec: ImageSpec): () => RunningImage {
  let running: RunningImage | undefined;
  aroundAll(async (runSuite) => {
    await using built = await buildTestImage(docker, spec);
    await using started = await startContainer(spec, built.tag);
    running = {
      spec,
      built,
      config: (await docker.getImage(built.tag).inspect()).Config,
      container: docker.getContainer(started.getId()),
      baseUrl: `http://${started.getHost()}:${started.getMappedPort(spec.port)}`,
    };
    await runSuite();
  });
  return () => {
    if (!running) {
      throw new Error(
        `${spec.image} is not running: its build or start failed (see the suite's error).`,
      );
    }
    return running;
  };
}

/**
 * Whether a path exists in a container's filesystem, asked through the engine's archive API: it
 * needs no shell or tools inside the image, so it works the same on every base.
 */
export async function pathExists(container: Docker.Container, path: string): Promise<boolean> {
  try {
    await container.infoArchive({ path });
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  }
}
