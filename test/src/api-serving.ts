import { readToolchain } from "@repo/build";
import {
  apiErrorSchema,
  apiInfoSchema,
  apiPaths,
  healthSchema,
  messagePath,
  messageSchema,
} from "@repo/shared";
import { expect, it } from "vitest";
import type { RunningImage } from "./image-under-test.ts";

const majorOf = (version: string) => Number(/^v?(\d+)\./.exec(version)?.[1]);
const nodeMajor = majorOf(readToolchain().nodeVersion);

/** The api contract of @repo/shared, served by the image. */
export function apiServingTests(image: () => RunningImage): void {
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
}
