import { describe, expect, it } from "vitest";
import {
  apiErrorSchema,
  apiInfoSchema,
  healthSchema,
  messageInputSchema,
  messageListSchema,
  messageSchema,
} from "./schemas.ts";

const message = { id: 1, author: "Ada", text: "Hello", createdAt: "2025-01-02T03:04:05.678Z" };

describe("messageInputSchema", () => {
  it("trims author and text", () => {
    expect(messageInputSchema.parse({ author: "  Ada ", text: "\tHello\n" })).toEqual({
      author: "Ada",
      text: "Hello",
    });
  });

  it("accepts the longest allowed author and text", () => {
    const input = { author: "a".repeat(40), text: "t".repeat(500) };
    expect(messageInputSchema.safeParse(input).success).toBe(true);
  });

  it.each([
    ["an empty author", { author: "", text: "Hello" }, "author"],
    ["a whitespace-only author", { author: "   ", text: "Hello" }, "author"],
    ["an author over 40 characters", { author: "a".repeat(41), text: "Hello" }, "author"],
    ["a whitespace-only text", { author: "Ada", text: " \n " }, "text"],
    ["a text over 500 characters", { author: "Ada", text: "t".repeat(501) }, "text"],
    ["a missing text", { author: "Ada" }, "text"],
    ["a non-string author", { author: 42, text: "Hello" }, "author"],
  ])("rejects %s", (_, input, field) => {
    const result = messageInputSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path)).toEqual([[field]]);
  });

  it("counts length after trimming", () => {
    const input = { author: ` ${"a".repeat(40)} `, text: "Hello" };
    expect(messageInputSchema.safeParse(input).success).toBe(true);
  });
});

describe("messageSchema", () => {
  it("accepts a stored message", () => {
    expect(messageSchema.parse(message)).toEqual(message);
    expect(messageListSchema.parse([message])).toEqual([message]);
  });

  it.each([
    ["a zero id", { ...message, id: 0 }],
    ["a fractional id", { ...message, id: 1.5 }],
    ["a createdAt that is not ISO 8601", { ...message, createdAt: "yesterday" }],
  ])("rejects %s", (_, candidate) => {
    expect(messageSchema.safeParse(candidate).success).toBe(false);
  });
});

describe("apiInfoSchema and healthSchema", () => {
  it("accept what the api serves", () => {
    const info = { name: "@repo/api", version: "0.1.0", node: "v24.0.0" };
    expect(apiInfoSchema.parse(info)).toEqual(info);
    expect(healthSchema.parse({ status: "ok" })).toEqual({ status: "ok" });
  });

  it("reject a health status other than ok", () => {
    expect(healthSchema.safeParse({ status: "degraded" }).success).toBe(false);
  });
});

describe("apiErrorSchema", () => {
  it("accepts an error with and without details", () => {
    const plain = { error: { code: "not_found", message: "No such message." } };
    const detailed = {
      error: { ...plain.error, details: [{ path: "author", message: "Author is required." }] },
    };
    expect(apiErrorSchema.parse(plain)).toEqual(plain);
    expect(apiErrorSchema.parse(detailed)).toEqual(detailed);
  });

  it("rejects an error without a code", () => {
    expect(apiErrorSchema.safeParse({ error: { message: "Oops" } }).success).toBe(false);
  });
});
