import { readToolchain } from "@repo/build";
import {
  apiErrorSchema,
  apiInfoSchema,
  apiPaths,
  healthSchema,
  messagePath,
  messageSchema,
} from "@repo/shared";
import type Docker from "dockerode";
import { Wait } from "testcontainers";
import { expect, it } from "vitest";
import { type RunningImage, startContainer } from "./image-under-test.ts";

const majorOf = (version: string) => Number(/^v?(\d+)\./.exec(version)?.[1]);
const nodeMajor = majorOf(readToolchain().nodeVersion);

/** The api contract of @repo/shared, served by the image. */
export function apiServingTests(image: () => RunningImage, docker: Docker): void {
  const url = (path: string) => new URL(path, image().baseUrl);
  const postJson = (path: string, body: unknown) =>
    fetch(url(path), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("answers the health check with ok", async () => {
    const response = await fetch(url(apiPaths.health));
    expect(response.status).toBe(200);
    expect(healthSchema.parse(await response.json())).toEqual({ status: "ok" });
  });

  it(`runs on Node ${nodeMajor}, the major in .node-version`, async () => {
    const response = await fetch(url(apiPaths.info));
    expect(response.status).toBe(200);
    expect(majorOf(apiInfoSchema.parse(await response.json()).node)).toBe(nodeMajor);
  });

  it("creates a valid message and returns it with 201", async () => {
    const input = { author: "Ada", text: "Hello from the image suite" };
    const response = await postJson(apiPaths.messages, input);
    expect(response.status).toBe(201);
    const message = messageSchema.parse(await response.json());
    expect(message).toMatchObject(input);
    expect(response.headers.get("location")).toBe(messagePath(message.id));
  });

  it("rejects an invalid message with 400 and the field to fix", async () => {
    const response = await postJson(apiPaths.messages, { author: " ", text: "Hello" });
    expect(response.status).toBe(400);
    const { error } = apiErrorSchema.parse(await response.json());
    expect(error.details?.map((detail) => detail.path)).toEqual(["author"]);
  });

  // `docker stop` sends SIGTERM and kills after the grace period. Exit code 0 proves node is PID 1
  // (exec-form CMD, no npm or shell in between) and handles the signal. The api promises to exit
  // well under a second; the bound includes the engine's own stop work (typically ~0.3 s in all).
  it("exits with 0 within a second of SIGTERM", async () => {
    const { spec, built } = image();
    await using started = await startContainer(
      spec,
      built.tag,
      Wait.forHttp(spec.healthPath, spec.port),
    );
    const container = docker.getContainer(started.getId());
    const stopping = performance.now();
    await container.stop({ t: 10 });
    const stopMs = performance.now() - stopping;
    expect((await container.inspect()).State.ExitCode).toBe(0);
    expect(stopMs).toBeLessThan(1_000);
  });
}
