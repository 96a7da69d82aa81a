import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { catalogue } from "./catalogue.ts";
import { renderChart } from "./chart.ts";
import { type ImageReportRow, reportDir } from "./report.ts";
import { renderMarkdownReport } from "./report-markdown.ts";

const catalogueOrder = catalogue.map((spec) => spec.image);

/** The rows of an earlier report that still describe a catalogue image; none if there is none. */
async function readRows(file: string): Promise<ImageReportRow[]> {
  const rows = await readFile(file, "utf8")
    .then((text) => JSON.parse(text) as ImageReportRow[])
    .catch(() => []);
  // Rows written before the layer split existed cannot be charted: the next build replaces them.
  return rows.filter((row) => row.layers !== undefined && catalogueOrder.includes(row.image));
}

/**
 * Writes images.json, images.md and images.svg into `dir`. A run that built only some images
 * (--app, --approach) replaces those images' rows and keeps the others, in catalogue order; an
 * image's benchmark figures stay until the next benchmark of it.
 */
export async function writeReports(
  rows: readonly ImageReportRow[],
  { dir = reportDir, writtenAt = new Date() }: { dir?: string; writtenAt?: Date } = {},
): Promise<string[]> {
  const jsonFile = path.join(dir, "images.json");
  const byImage = new Map((await readRows(jsonFile)).map((row) => [row.image, row]));
  for (const row of rows) {
    const benchmark = row.benchmark ?? byImage.get(row.image)?.benchmark;
    byImage.set(row.image, { ...row, ...(benchmark ? { benchmark } : {}) });
  }
  const merged = [...byImage.values()].sort(
    (a, b) => catalogueOrder.indexOf(a.image) - catalogueOrder.indexOf(b.image),
  );
  const files = {
    [jsonFile]: `${JSON.stringify(merged, null, 2)}\n`,
    [path.join(dir, "images.md")]: renderMarkdownReport(merged, { writtenAt, chart: "images.svg" }),
    [path.join(dir, "images.svg")]: renderChart(merged),
  };
  await mkdir(dir, { recursive: true });
  await Promise.all(Object.entries(files).map(([file, text]) => writeFile(file, text)));
  return Object.keys(files);
}
