import { once } from "node:events";
import { connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type BuiltImage,
  buildCatalogueImage,
  formatMegabytes,
  formatProgress,
  type ImageSpec,
  isStepEvent,
  newRunId,
  runLabel,
  runTag,
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

// Names this run's tags and labels its containers; the catalogue's own tags are never touched.
const runId = newRunId();
/** On every container the run starts, so a later run removes them if this one is interrupted. */
export const runLabels = { [runLabel]: runId };

/** Builds the spec's image under this run's test tag; disposing the result removes the tag. */
export async function buildTestImage(
  docker: Docker,
  spec: ImageSpec,
): Promise<BuiltImage & AsyncDisposable> {
  const tag = runTag(spec, "test", runId);
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
      `(context ${formatMegabytes(built.context.sentBytes)})`,
  );
  // Forced: removes the tag even while a container of it is still being torn down.
  return { ...built, [Symbol.asyncDispose]: () => docker.getImage(tag).remove({ force: true }) };
}

/** GenericContainer plus the one host option testcontainers has no builder method for. */
class RuntimeContainer extends GenericContainer {
  withReadonlyRootFilesystem(): this {
    this.hostConfig.ReadonlyRootfs = true;
    return this;
  }
}

export interface StartOptions {
  waitStrategy?: WaitStrategy;
  /** More container settings on top of the catalogue's: environment, network, aliases. */
  configure?: (container: GenericContainer) => GenericContainer;
  /** The tmpfs mounts instead of the catalogue's, to see the image without one of them. */
  tmpfs?: Record<string, string>;
  /**
   * Publish the image's port (the default). A container expected to exit at once must not:
   * Testcontainers would wait for a port binding that an exited container never gets.
   */
  publishPort?: boolean;
}

/**
 * Starts a container of a built image the way the catalogue says it runs in production — read-only
 * root filesystem, tmpfs only where the server writes; so every test of a running image also
 * proves it works that way — with its port published and labelled with
 * the run's id. By default it waits for Docker to report the image's own HEALTHCHECK healthy, so
 * "started" means what an orchestrator would call ready — and an image whose HEALTHCHECK is
 * missing (never healthy) or failing (unhealthy) fails here. A container that never gets ready is
 * removed, and its output goes into the error.
 */
export async function startContainer(
  spec: ImageSpec,
  tag: string,
  {
    waitStrategy = Wait.forHealthCheck(),
    configure = (container) => container,
    tmpfs = spec.runtime.tmpfs,
    publishPort = true,
  }: StartOptions = {},
): Promise<StartedTestContainer> {
  const output: string[] = [];
  const container = new RuntimeContainer(tag)
    .withReadonlyRootFilesystem()
    .withTmpFs(tmpfs)
    .withLabels(runLabels)
    .withExposedPorts(...(publishPort ? [spec.port] : []))
    .withWaitStrategy(waitStrategy)
    .withStartupTimeout(60_000)
    .withLogConsumer((stream) => stream.on("data", (chunk) => output.push(String(chunk))));
  try {
    return await configure(container).start();
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
    const starting = performance.now();
    await using started = await startContainer(spec, built.tag);
    const healthySeconds = (performance.now() - starting) / 1000;
    console.log(`[${built.tag}] healthy ${healthySeconds.toFixed(1)} s after start`);
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
 * Opens a connection to a started container and sends the first lines of a request's headers,
 * never the blank line that ends them: a client the server must not wait for when it stops.
 */
export async function holdHalfSentRequest(
  started: StartedTestContainer,
  spec: ImageSpec,
): Promise<Disposable> {
  const socket = connect({ host: started.getHost(), port: started.getMappedPort(spec.port) });
  await once(socket, "connect");
  // The container resets the connection when it stops: the expected end, not a failure.
  socket.on("error", () => {});
  socket.write(`GET ${spec.healthPath} HTTP/1.1\r\nHost: ${started.getHost()}\r\n`);
  // The server gives no sign that it has read a partial request. Until it has, the connection
  // looks idle and any server closes it at once, so the bytes get time to cross the port proxy.
  await sleep(250);
  return { [Symbol.dispose]: () => socket.destroy() };
}
