import { Transform } from "node:stream";
import type Docker from "dockerode";
import { BuildKitTrace, type BuildStep, type ProgressEvent } from "./buildkit.ts";
import {
  applyContextEdits,
  type BuildContext,
  type ContextEdits,
  collectContext,
  packContext,
} from "./context.ts";
import { repoRoot } from "./repo.ts";

export interface BuildRequest {
  dockerfile: string;
  tag: string;
  buildArgs: Record<string, string>;
  /** A stage to stop at, e.g. `test` or `build`; the result is that stage's image. */
  target?: string;
  /** Run every step, taking nothing from the build cache (cache mounts are kept). */
  noCache?: boolean;
  /** Files added to or replaced in the context sent, without touching the working tree. */
  contextEdits?: ContextEdits;
}

/** A context as it went to the engine. */
export interface SentContext extends BuildContext {
  /** The bytes of the tar stream sent: file contents plus tar headers and padding. */
  sentBytes: number;
}

export interface BuildResult {
  tag: string;
  imageId: string;
  seconds: number;
  context: SentContext;
  /** Every step BuildKit ran or took from its cache, in order. */
  steps: BuildStep[];
}

/** A failed build, carrying the tail of the output that explains it. */
export class ImageBuildError extends Error {
  readonly tag: string;
  readonly output: string[];
  constructor(tag: string, reason: string, output: string[]) {
    super(
      `Building ${tag} failed: ${reason}\n--- last build output ---\n${output.slice(-40).join("\n")}`,
    );
    this.name = "ImageBuildError";
    this.tag = tag;
    this.output = output;
  }
}

interface EngineMessage {
  id?: string;
  aux?: unknown;
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Builds one image through the engine API with BuildKit (cache mounts need it), from the repository
 * root as context. Every message is checked: a failing step rejects with its output instead of
 * surfacing as a bare "build failed" or a hang.
 */
export async function buildImage(
  docker: Docker,
  request: BuildRequest,
  onProgress: (event: ProgressEvent) => void = () => {},
): Promise<BuildResult> {
  const started = performance.now();
  const edits = request.contextEdits ?? {};
  const context = applyContextEdits(await collectContext(repoRoot, request.dockerfile), edits);
  const output: string[] = [];
  const report = (event: ProgressEvent) => {
    if (event.kind === "output") output.push(event.text);
    onProgress(event);
  };
  const trace = new BuildKitTrace(report);
  let failure: string | undefined;

  let sentBytes = 0;
  const pack = packContext(repoRoot, context, edits);
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sentBytes += chunk.length;
      done(null, chunk);
    },
  });
  pack.on("error", (error) => counted.destroy(error));
  const stream = await docker.buildImage(pack.pipe(counted), {
    t: request.tag,
    dockerfile: request.dockerfile,
    buildargs: request.buildArgs,
    version: "2",
    nocache: request.noCache ?? false,
    ...(request.target ? { target: request.target } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null) => (error ? reject(error) : resolve()),
      (message: EngineMessage) => {
        if (message.id === "moby.buildkit.trace" && typeof message.aux === "string") {
          trace.add(message.aux);
        } else if (message.error || message.errorDetail) {
          failure = message.errorDetail?.message ?? message.error;
        } else if (message.stream?.trim()) {
          report({ kind: "output", text: message.stream.trimEnd() });
        }
      },
    );
  });
  if (failure) throw new ImageBuildError(request.tag, failure, output);

  const image = await docker
    .getImage(request.tag)
    .inspect()
    .catch(() => {
      throw new ImageBuildError(
        request.tag,
        "the engine reported no error but has no such image",
        output,
      );
    });
  return {
    tag: request.tag,
    imageId: image.Id,
    seconds: (performance.now() - started) / 1000,
    context: { ...context, sentBytes },
    steps: trace.steps,
  };
}
