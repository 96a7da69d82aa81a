import type Docker from "dockerode";
import { type BuildContext, collectContext, packContext } from "./context.ts";
import { repoRoot } from "./repo.ts";

export interface BuildRequest {
  dockerfile: string;
  tag: string;
  buildArgs: Record<string, string>;
  target?: string;
  noCache?: boolean;
  labels?: Record<string, string>;
}

export interface BuildResult {
  tag: string;
  imageId: string;
  seconds: number;
  context: BuildContext;
  /** Every line of the build output, BuildKit trace decoded (steps, `CACHED:` marks, command output). */
  log: string[];
}

/** A failed build, carrying the tail of the output that explains it. */
export class ImageBuildError extends Error {
  readonly tag: string;
  readonly log: string[];
  constructor(tag: string, reason: string, log: string[]) {
    super(`Building ${tag} failed: ${reason}\n--- last build output ---\n${log.slice(-40).join("\n")}`);
    this.name = "ImageBuildError";
    this.tag = tag;
    this.log = log;
  }
}

// dockerode 5 decodes BuildKit's trace in `followProgress`; @types/dockerode 4 does not know it yet.
type BuildKitAware = Docker & {
  followProgress(
    stream: NodeJS.ReadableStream,
    onFinished: (error: Error | null) => void,
    onProgress: (event: BuildEvent) => void,
  ): void;
};

interface BuildEvent {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/**
 * Builds one image through the engine API with BuildKit (cache mounts need it), from the repository
 * root as context. Every progress event is checked: a failing step rejects with its output instead of
 * surfacing as a bare "build failed" or a hang.
 */
export async function buildImage(
  docker: Docker,
  request: BuildRequest,
  onLine: (line: string) => void = () => {},
): Promise<BuildResult> {
  const started = performance.now();
  const context = await collectContext(repoRoot, request.dockerfile);
  const stream = await docker.buildImage(packContext(repoRoot, context), {
    t: request.tag,
    dockerfile: request.dockerfile,
    buildargs: request.buildArgs,
    labels: request.labels ?? {},
    version: "2",
    nocache: request.noCache ?? false,
    ...(request.target ? { target: request.target } : {}),
  });
  const log: string[] = [];
  let failure: string | undefined;
  await new Promise<void>((resolve, reject) => {
    (docker as BuildKitAware).followProgress(
      stream,
      (error) => (error ? reject(error) : resolve()),
      (event: BuildEvent) => {
        if (event.error || event.errorDetail) failure = event.errorDetail?.message ?? event.error;
        for (const line of (event.stream ?? "").split("\n")) {
          if (!line.trim()) continue;
          log.push(line);
          onLine(line);
        }
      },
    );
  });
  if (failure) throw new ImageBuildError(request.tag, failure, log);
  const image = await docker
    .getImage(request.tag)
    .inspect()
    .catch(() => {
      throw new ImageBuildError(request.tag, "the engine reported no error but has no such image", log);
    });
  return {
    tag: request.tag,
    imageId: image.Id,
    seconds: (performance.now() - started) / 1000,
    context,
    log,
  };
}
