import type { ProgressEvent } from "./buildkit.ts";

/** After how long, and then how often, a step that is still running is announced. */
export const heartbeatSeconds = 15;

/**
 * Says which step of a long build is still running and for how long: BuildKit announces a step
 * when it starts and is silent until the next one, so a 90-second install would otherwise look
 * like a hang.
 *
 * @example
 *   using heartbeat = new StepHeartbeat((line) => console.log(`[repo-api:multi-stage] ${line}`));
 *   await buildCatalogueImage(docker, spec, { onProgress: (event) => heartbeat.observe(event) });
 */
export class StepHeartbeat implements Disposable {
  readonly #print: (line: string) => void;
  readonly #everyMs: number;
  readonly #timer: NodeJS.Timeout;
  #step: { text: string; since: number; nextBeat: number } | undefined;

  constructor(print: (line: string) => void, everySeconds = heartbeatSeconds) {
    this.#print = print;
    this.#everyMs = everySeconds * 1000;
    this.#timer = setInterval(() => this.#beat(), 1000);
    // A heartbeat alone must not keep the process alive after the work has ended.
    this.#timer.unref();
  }

  observe(event: ProgressEvent): void {
    if (event.kind !== "step") return;
    const now = performance.now();
    this.#step = { text: event.text, since: now, nextBeat: now + this.#everyMs };
  }

  #beat(): void {
    const step = this.#step;
    if (!step || performance.now() < step.nextBeat) return;
    step.nextBeat += this.#everyMs;
    const seconds = Math.round((performance.now() - step.since) / 1000);
    this.#print(`… still running after ${seconds} s: ${step.text}`);
  }

  [Symbol.dispose](): void {
    clearInterval(this.#timer);
  }
}
