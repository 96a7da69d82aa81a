import { describe, expect, it } from "vitest";
import { apiPaths, messagePath } from "./paths.ts";

describe("messagePath", () => {
  it("puts the id under the messages collection", () => {
    expect(messagePath(7)).toBe(`${apiPaths.messages}/7`);
    expect(messagePath(7)).toBe("/api/messages/7");
  });
});
