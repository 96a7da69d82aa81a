import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { catalogue } from "./catalogue.ts";
import { renderChart } from "./chart.ts";
import { type ImageReportRow, reportDir } from "./report.ts";
import { renderMarkdownReport } from "./report-markdown.ts";

const catalogueOrder = catalogue.map((spec) => spec.image);

/** The rows of an earlier report that still describe a catalogue image; none if there is none. */
async function readRows(file: string): Promise<ImageReportRow[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch {
    rows = undefined;
  }
  // Its benchmark figures would be lost without a word if the file were simply replaced.
  if (!Array.isArray(rows)) {
    throw new Error(
      `${file} is not a report this command wrote (not a JSON array). Move it away or delete it, then run again.`,
    );
  }
  // Rows written before the layer split existed cannot be charted: the next build replaces them.
  return (rows as ImageReportRow[]).filter(
    (row) => row.layers !== undefined && catalogueOrder.includes(row.image),
  );
}

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdir loops forever on a path that cannot be
 * made under a pseudo filesystem (`/proc/x`), where each level fails with the same error.
 */
async function makeDir(dir: string): Promise<void> {
  const missing: string[] = [];
  let existing = path.resolve(dir);
  while (
    !(await stat(existing).then(
      () => true,
      () => false,
    ))
  ) {
    missing.unshift(existing);
    existing = path.dirname(existing);
  }
  for (const level of missing) await mkdir(level);
}

/**
 * Checks, before anything is built or measured, that the report can be written into `dir` and
 * that an earlier report there can be merged: a run that fails only at the end loses its figures.
 */
export async function prepareReportDir(dir: string): Promise<void> {
  const probe = path.join(dir, `.write-probe-${process.pid}`);
  try {
    await makeDir(dir);
    await writeFile(probe, "");
    await rm(probe);
  } catch (error) {
    throw new Error(
      `Cannot write the report into ${dir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). ` +
        "Pass --out a folder you can write to.",
    );
  }
  await readRows(path.join(dir, "images.json"));
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
  await makeDir(dir);
  await Promise.all(Object.entries(files).map(([file, text]) => writeFile(file, text)));
  return Object.keys(files);
}
