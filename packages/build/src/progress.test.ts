import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { StepHeartbeat } from "./progress.ts";

describe("StepHeartbeat", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "performance"] });
  });
  afterEach(() => vi.useRealTimers());

  it("announces the latest running step with its duration on every beat", () => {
    const lines: string[] = [];
    using heartbeat = new StepHeartbeat((line) => lines.push(line), 15);
    heartbeat.observe({ kind: "step", text: "[deps 2/2] RUN pnpm install" });
    vi.advanceTimersByTime(30_000);
    expect(lines).toEqual([
      "… still running after 15 s: [deps 2/2] RUN pnpm install",
      "… still running after 30 s: [deps 2/2] RUN pnpm install",
    ]);
  });

  it("says nothing of a step shorter than a beat, and counts from when the latest step started", () => {
    const lines: string[] = [];
    using heartbeat = new StepHeartbeat((line) => lines.push(line), 15);
    heartbeat.observe({ kind: "step", text: "[build 1/2] COPY" });
    vi.advanceTimersByTime(10_000);
    heartbeat.observe({ kind: "step", text: "[build 2/2] RUN turbo run build" });
    heartbeat.observe({ kind: "output", text: "vite v8 building for production..." });
    heartbeat.observe({ kind: "cached", text: "[deps 2/2] RUN pnpm install" });
    vi.advanceTimersByTime(14_000);
    expect(lines).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(lines).toEqual(["… still running after 15 s: [build 2/2] RUN turbo run build"]);
  });

  it("stays quiet before the first step and after it is disposed", () => {
    const lines: string[] = [];
    const heartbeat = new StepHeartbeat((line) => lines.push(line), 15);
    vi.advanceTimersByTime(15_000);
    heartbeat.observe({ kind: "step", text: "[host] pnpm turbo run build" });
    heartbeat[Symbol.dispose]();
    vi.advanceTimersByTime(60_000);
    expect(lines).toEqual([]);
  });
});
