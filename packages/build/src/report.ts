import path from "node:path";
import Table from "cli-table3";
import type Docker from "dockerode";
import pc from "picocolors";
import { type BaseStatus, standInLabel } from "./bases.ts";
import type { BenchmarkFigures } from "./benchmark.ts";
import type { AppName, Approach } from "./catalogue.ts";
import type { BuiltImage } from "./images.ts";
import type { LayerSplit } from "./layers.ts";
import { repoRoot } from "./repo.ts";

/** Where `pnpm images` writes images.json, images.md and images.svg unless told otherwise. */
export const reportDir = path.join(repoRoot, "reports");
/** The report's rows as JSON, for tools. */
export const reportPath = path.join(reportDir, "images.json");

/** A base image as the report names it. */
export interface ReportBase {
  ref: string;
  /** A local stand-in built from docker/bases/, not the upstream image. */
  standIn: boolean;
  sizeBytes: number;
  /** Stand-ins only: the upstream image's published size, which the stand-in records. */
  upstreamSizeBytes?: number;
}

/** One image of reports/images.json. */
export interface ImageReportRow {
  app: AppName;
  approach: Approach;
  image: string;
  port: number;
  healthPath: string;
  sizeBytes: number;
  budgetBytes: number;
  headroomBytes: number;
  withinBudget: boolean;
  layers: LayerSplit;
  buildSeconds: number;
  contextBytes: number;
  contextFiles: number;
  /** The bases the image's Dockerfile names, as they were when it was built. */
  bases: ReportBase[];
  /**
   * Host-built only: how the host's toolchain differs from the runtime's in ways that cannot break
   * the image (a difference that can stops the build instead); empty when they match.
   */
  toolchainDrift?: string[];
  /** Figures of the latest `pnpm images bench` of this image, kept until the next one. */
  benchmark?: BenchmarkFigures;
}

/** The bases as the report names them, with each stand-in's record of its upstream size. */
export async function describeBases(
  docker: Docker,
  statuses: readonly BaseStatus[],
): Promise<ReportBase[]> {
  return Promise.all(
    statuses.map(async ({ ref, standIn, sizeBytes }) => {
      const upstreamSize = standIn
        ? (await docker.getImage(ref).inspect()).Config.Labels?.[`${standInLabel}.upstream-size`]
        : undefined;
      return {
        ref,
        standIn,
        sizeBytes,
        ...(upstreamSize ? { upstreamSizeBytes: Number(upstreamSize) } : {}),
      };
    }),
  );
}

/** A built image with what the report says about it beyond the build. */
export interface MeasuredImage {
  built: BuiltImage;
  layers: LayerSplit;
  benchmark?: BenchmarkFigures;
}

export function toReportRows(
  images: readonly MeasuredImage[],
  bases: readonly ReportBase[],
): ImageReportRow[] {
  return images.map(({ built, layers, benchmark }) => {
    const { spec, sizeBytes, buildSeconds, context, toolchainDrift } = built;
    return {
      app: spec.app,
      approach: spec.approach,
      image: spec.image,
      port: spec.port,
      healthPath: spec.healthPath,
      sizeBytes,
      budgetBytes: spec.sizeBudget.bytes,
      headroomBytes: spec.sizeBudget.bytes - sizeBytes,
      withinBudget: sizeBytes <= spec.sizeBudget.bytes,
      layers,
      buildSeconds: Math.round(buildSeconds * 10) / 10,
      contextBytes: context.sentBytes,
      contextFiles: context.files.length,
      bases: spec.bases.flatMap(({ ref }) => bases.filter((base) => base.ref === ref)),
      ...(toolchainDrift ? { toolchainDrift } : {}),
      ...(benchmark ? { benchmark } : {}),
    };
  });
}

/** Sizes as the report prints them: decimal megabytes, one decimal. */
export const formatMegabytes = (bytes: number) => `${(bytes / 1_000_000).toFixed(1)} MB`;

/** Sizes that may be far below a megabyte (an app layer, a build context), in kB below 1 MB. */
export const formatBytes = (bytes: number) =>
  bytes === 0
    ? "0"
    : bytes < 1_000_000
      ? `${(bytes / 1000).toFixed(1)} kB`
      : formatMegabytes(bytes);

export const formatSeconds = (seconds: number) => `${seconds.toFixed(1)} s`;

/** A ratio of two durations, e.g. `2.4×`. */
export const formatRatio = (numerator: number, denominator: number) =>
  `${(numerator / denominator).toFixed(1)}×`;

/** How much smaller the final image is than the build stage it came from, e.g. `-71 %`. */
export const formatReduction = (finalBytes: number, buildStageBytes: number) =>
  `-${Math.round((1 - finalBytes / buildStageBytes) * 100)} %`;

/** "the median of 3 runs", or "a single run" when there was nothing to take a median of. */
export const describeRuns = (runs: readonly number[]) =>
  runs.length === 1 && runs[0] === 1 ? "a single run" : `the median of ${runs.join(" or ")} runs`;

/** A line per base, saying loudly when it is a local stand-in. */
export function describeBase(base: ReportBase): string {
  if (!base.standIn) return `${base.ref}: upstream image, ${formatMegabytes(base.sizeBytes)}`;
  const upstream =
    base.upstreamSizeBytes === undefined
      ? ""
      : ` (the upstream image is ${formatMegabytes(base.upstreamSizeBytes)})`;
  return `${base.ref}: local stand-in, not the upstream image — ${formatMegabytes(base.sizeBytes)}${upstream}`;
}

/** Every base the rows name, once, in the order they first appear. */
export const basesOf = (rows: readonly ImageReportRow[]) => [
  ...new Map(rows.flatMap((row) => row.bases).map((base) => [base.ref, base])).values(),
];

const newTable = (head: string[]) =>
  new Table({
    head: head.map((title) => pc.bold(title)),
    colAligns: head.map((_, index) => (index === 0 ? "left" : "right")),
    // Colours come from picocolors, which leaves them out when the output is not a terminal.
    style: { head: [], border: [] },
  });

/** Sizes split by layer, against budgets, with build contexts and build times. */
export function formatTable(rows: readonly ImageReportRow[]): string {
  const table = newTable([
    "image",
    "size",
    "base",
    "deps",
    "app",
    "budget",
    "headroom",
    "context",
    "build s",
  ]);
  for (const row of rows) {
    table.push([
      row.image,
      formatMegabytes(row.sizeBytes),
      formatMegabytes(row.layers.baseBytes),
      formatBytes(row.layers.dependenciesBytes),
      formatBytes(row.layers.appBytes),
      formatMegabytes(row.budgetBytes),
      `${row.withinBudget ? "" : "OVER "}${formatMegabytes(row.headroomBytes)}`,
      formatBytes(row.contextBytes),
      row.buildSeconds.toFixed(1),
    ]);
  }
  const baseLines = basesOf(rows).map((base) => {
    const line = `base ${describeBase(base)}`;
    return base.standIn ? pc.yellow(line) : line;
  });
  const driftLines = rows.flatMap(({ image, toolchainDrift = [] }) =>
    toolchainDrift.map((warning) => pc.yellow(`toolchain drift in ${image}: ${warning}`)),
  );
  return [table.toString(), ...baseLines, ...driftLines].join("\n");
}

/** The benchmark's medians per image, and how the approaches of each app compare. */
export function formatBenchmarkTable(rows: readonly ImageReportRow[]): string {
  const table = newTable([
    "image",
    "cold s",
    "warm s",
    "cold/warm",
    "start→healthy s",
    "stop s",
    "build stage",
    "final vs stage",
  ]);
  for (const { image, sizeBytes, benchmark } of rows) {
    if (!benchmark) continue;
    const { coldSeconds, warmSeconds, startToHealthySeconds, stopSeconds, buildStageBytes } =
      benchmark;
    table.push([
      image,
      coldSeconds.median.toFixed(1),
      warmSeconds.median.toFixed(1),
      formatRatio(coldSeconds.median, warmSeconds.median),
      startToHealthySeconds.median.toFixed(2),
      stopSeconds.median.toFixed(2),
      buildStageBytes === undefined ? "" : formatMegabytes(buildStageBytes),
      buildStageBytes === undefined ? "" : formatReduction(sizeBytes, buildStageBytes),
    ]);
  }
  const comparisons = compareApproaches(rows).map(
    ({ app, hostBuilt, multiStage }) =>
      `${app}: multi-stage takes ${formatRatio(multiStage.coldSeconds.median, hostBuilt.coldSeconds.median)} ` +
      `the host-built time cold, ${formatRatio(multiStage.warmSeconds.median, hostBuilt.warmSeconds.median)} warm`,
  );
  return [table.toString(), ...comparisons].join("\n");
}

/** Apps whose two approaches both have benchmark figures, side by side. */
export function compareApproaches(rows: readonly ImageReportRow[]) {
  return [...new Set(rows.map((row) => row.app))].flatMap((app) => {
    const figures = (approach: Approach) =>
      rows.find((row) => row.app === app && row.approach === approach)?.benchmark;
    const hostBuilt = figures("hostBuilt");
    const multiStage = figures("multiStage");
    return hostBuilt && multiStage ? [{ app, hostBuilt, multiStage }] : [];
  });
}
