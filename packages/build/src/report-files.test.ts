import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ImageReportRow } from "./report.ts";
import { writeReports } from "./report-files.ts";
import { benchmark, reportRow } from "./report-fixtures.test-support.ts";

describe("writeReports", () => {
  let dir: string;
  const readRows = async () =>
    JSON.parse(await readFile(path.join(dir, "images.json"), "utf8")) as ImageReportRow[];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "image-report-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("writes the JSON rows, the Markdown report and the chart it embeds", async () => {
    const files = await writeReports([reportRow()], { dir });
    expect(files.map((file) => path.basename(file)).sort()).toEqual([
      "images.json",
      "images.md",
      "images.svg",
    ]);
    expect(await readFile(path.join(dir, "images.md"), "utf8")).toContain("](images.svg)");
    expect(await readFile(path.join(dir, "images.svg"), "utf8")).toMatch(/^<svg /);
  });

  it("replaces the rows of images built again and keeps the others, in catalogue order", async () => {
    const api = reportRow();
    const web = reportRow({ app: "web", approach: "hostBuilt", image: "repo-web:host-built" });
    await writeReports([api, web], { dir });
    await writeReports([{ ...api, sizeBytes: 301_000_000 }], { dir });
    const rows = await readRows();
    expect(rows.map((row) => [row.image, row.sizeBytes])).toEqual([
      ["repo-web:host-built", 300_000_000],
      ["repo-api:multi-stage", 301_000_000],
    ]);
  });

  it("keeps an image's benchmark figures until it is benchmarked again", async () => {
    await writeReports([reportRow({ benchmark: benchmark() })], { dir });
    await writeReports([reportRow()], { dir });
    expect((await readRows())[0]?.benchmark?.coldSeconds.median).toBe(60);
    const again = benchmark({ coldSeconds: { median: 50, runs: [50] } });
    await writeReports([reportRow({ benchmark: again })], { dir });
    expect((await readRows())[0]?.benchmark?.coldSeconds.median).toBe(50);
  });

  it("drops rows it cannot chart: older formats and images no longer in the catalogue", async () => {
    const { layers: _, ...withoutLayers } = reportRow({ image: "repo-web:multi-stage" });
    const retired = reportRow({ image: "repo-worker:multi-stage" });
    await writeFile(path.join(dir, "images.json"), JSON.stringify([withoutLayers, retired]));
    await writeReports([reportRow()], { dir });
    expect((await readRows()).map((row) => row.image)).toEqual(["repo-api:multi-stage"]);
  });
});
