import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import Table from "cli-table3";
import pc from "picocolors";
import type { BaseStatus } from "./bases.ts";
import { catalogue } from "./catalogue.ts";
import type { BuiltImage } from "./images.ts";
import { repoRoot } from "./repo.ts";

/** One row of reports/images.json. */
export interface ImageReportRow {
  app: string;
  approach: string;
  image: string;
  port: number;
  healthPath: string;
  sizeBytes: number;
  budgetBytes: number;
  headroomBytes: number;
  withinBudget: boolean;
  buildSeconds: number;
  contextBytes: number;
  /** The bases the image was built on, and whether each was a local stand-in here. */
  bases: { ref: string; standIn: boolean }[];
}

export const reportPath = path.join(repoRoot, "reports/images.json");

export function toReportRows(
  images: readonly BuiltImage[],
  bases: readonly BaseStatus[],
): ImageReportRow[] {
  const standIns = new Set(bases.filter((base) => base.standIn).map((base) => base.ref));
  return images.map(({ spec, tag, sizeBytes, buildSeconds, contextBytes }) => ({
    app: spec.app,
    approach: spec.approach,
    image: tag,
    port: spec.port,
    healthPath: spec.healthPath,
    sizeBytes,
    budgetBytes: spec.sizeBudget.bytes,
    headroomBytes: spec.sizeBudget.bytes - sizeBytes,
    withinBudget: sizeBytes <= spec.sizeBudget.bytes,
    buildSeconds: Math.round(buildSeconds * 10) / 10,
    contextBytes,
    bases: spec.bases.map(({ ref }) => ({ ref, standIn: standIns.has(ref) })),
  }));
}

/** Sizes as the report prints them: decimal megabytes, one decimal. */
export const formatMegabytes = (bytes: number) => `${(bytes / 1_000_000).toFixed(1)} MB`;

export function formatTable(rows: readonly ImageReportRow[], bases: readonly BaseStatus[]): string {
  const table = new Table({
    head: ["app", "approach", "image", "size", "budget", "headroom", "build s"].map((title) =>
      pc.bold(title),
    ),
    colAligns: ["left", "left", "left", "right", "right", "right", "right"],
    // Colours come from picocolors, which leaves them out when the output is not a terminal.
    style: { head: [], border: [] },
  });
  for (const row of rows) {
    table.push([
      row.app,
      row.approach,
      row.image,
      formatMegabytes(row.sizeBytes),
      formatMegabytes(row.budgetBytes),
      `${row.withinBudget ? "" : "OVER "}${formatMegabytes(row.headroomBytes)}`,
      row.buildSeconds.toFixed(1),
    ]);
  }
  const baseLines = bases.map(
    (base) =>
      `base ${base.ref}: ${formatMegabytes(base.sizeBytes)}${base.standIn ? " — LOCAL STAND-IN (docker/bases), not the upstream image" : ""}`,
  );
  return [table.toString(), ...baseLines].join("\n");
}

/**
 * Writes the rows to reports/images.json. A run that built only some images (--app, --approach)
 * replaces those images' rows and keeps the others, in catalogue order.
 */
export async function writeReport(rows: readonly ImageReportRow[]): Promise<string> {
  const previous: ImageReportRow[] = await readFile(reportPath, "utf8")
    .then((text) => JSON.parse(text) as ImageReportRow[])
    .catch(() => []);
  const byImage = new Map([...previous, ...rows].map((row) => [row.image, row]));
  const order = catalogue.map((spec) => spec.image);
  const merged = [...byImage.values()].sort(
    (a, b) => order.indexOf(a.image) - order.indexOf(b.image),
  );
  await mkdir(path.dirname(reportPath), { recursive: true });
  await writeFile(reportPath, `${JSON.stringify(merged, null, 2)}\n`);
  return reportPath;
}
