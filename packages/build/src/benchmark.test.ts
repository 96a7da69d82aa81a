import { describe, expect, it } from "vitest";
import { median } from "./benchmark.ts";

describe("median", () => {
  it("takes the middle run of an odd number, whatever their order", () => {
    expect(median([61.2, 12.5, 30.1])).toBe(30.1);
  });

  it("averages the two middle runs of an even number", () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("refuses no runs at all", () => {
    expect(() => median([])).toThrow();
  });
});
