import { createRequire } from "node:module";
import protobuf from "protobufjs";

// BuildKit reports progress as base64 protobuf `StatusResponse` messages. dockerode ships their
// schema; decoding them here keeps what its own text rendering flattens: which step ran, whether it
// came from the cache, and the raw bytes each step printed.
const schemaPath = createRequire(import.meta.url).resolve(
  "dockerode/lib/proto/buildkit_status.proto",
);
const StatusResponse = protobuf.loadSync(schemaPath).lookupType("moby.buildkit.v1.StatusResponse");

interface Vertex {
  digest: string;
  name: string;
  cached: boolean;
  started?: object;
  completed?: object;
  error: string;
}

interface VertexLog {
  msg: Uint8Array;
}

/** A step of a build as BuildKit names it, e.g. `[deps 2/2] RUN pnpm install --frozen-lockfile`. */
export interface BuildStep {
  name: string;
  cached: boolean;
  error?: string;
}

/** What a build or a host command reports while it runs. */
export type ProgressEvent =
  | { kind: "step"; text: string }
  | { kind: "cached"; text: string }
  | { kind: "output"; text: string };

/** Progress events that say which step runs, as opposed to the output of a step. */
export const isStepEvent = (event: ProgressEvent) => event.kind !== "output";

/** One log line for an event: steps as BuildKit names them, cache hits marked, output indented. */
export const formatProgress = (event: ProgressEvent) =>
  event.kind === "cached"
    ? `CACHED ${event.text}`
    : event.kind === "output"
      ? `  ${event.text}`
      : event.text;

/** Folds BuildKit trace messages into steps and events; one instance per build. */
export class BuildKitTrace {
  readonly #steps = new Map<string, BuildStep>();
  readonly #onEvent: (event: ProgressEvent) => void;

  constructor(onEvent: (event: ProgressEvent) => void) {
    this.#onEvent = onEvent;
  }

  get steps(): BuildStep[] {
    return [...this.#steps.values()];
  }

  /** Takes the `aux` field of a `moby.buildkit.trace` message. */
  add(aux: string): void {
    const status = StatusResponse.toObject(StatusResponse.decode(Buffer.from(aux, "base64")), {
      arrays: true,
    }) as { vertexes: Vertex[]; logs: VertexLog[] };
    for (const vertex of status.vertexes) this.#addVertex(vertex);
    for (const log of status.logs) {
      for (const line of Buffer.from(log.msg).toString("utf8").split(/\r?\n/)) {
        if (line.trim()) this.#onEvent({ kind: "output", text: line });
      }
    }
  }

  #addVertex({ digest, name, cached, started, completed, error }: Vertex): void {
    let step = this.#steps.get(digest);
    if (!step && (started || cached)) {
      step = { name, cached: false };
      this.#steps.set(digest, step);
      if (!cached) this.#onEvent({ kind: "step", text: name });
    }
    if (!step) return;
    if (completed && cached && !step.cached) {
      step.cached = true;
      this.#onEvent({ kind: "cached", text: name });
    }
    if (error && !step.error) {
      step.error = error;
      this.#onEvent({ kind: "output", text: `${name}: ${error}` });
    }
  }
}
