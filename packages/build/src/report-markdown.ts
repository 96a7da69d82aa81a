import type { BenchmarkFigures, Machine } from "./benchmark.ts";
import type { Approach } from "./catalogue.ts";
import {
  basesOf,
  compareApproaches,
  describeRuns,
  formatBytes,
  formatMegabytes,
  formatRatio,
  formatReduction,
  formatSeconds,
  type ImageReportRow,
  type ReportBase,
} from "./report.ts";

const approachNames: Record<Approach, string> = {
  hostBuilt: "host-built",
  multiStage: "multi-stage",
};

/** "2 CPUs (AMD EPYC 7B13), 23.4 GB RAM, Linux 6.1.0 x64, Docker Engine 20.10.24" */
export const describeMachine = ({ cpus, cpuModel, memoryBytes, os, docker }: Machine) =>
  `${cpus} CPUs (${cpuModel}), ${(memoryBytes / 1e9).toFixed(1)} GB RAM, ${os}, ${docker}`;

const day = (iso: string) => iso.slice(0, 10);
const code = (text: string) => `\`${text}\``;

/** A Markdown table: the first `textColumns` columns left-aligned, the figures after them right. */
function table(head: string[], rows: string[][], textColumns = 1): string {
  const align = head.map((_, index) => (index < textColumns ? "---" : "--:"));
  return [head, align, ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

function baseNote(base: ReportBase): string {
  if (!base.standIn)
    return `- ${code(base.ref)}: upstream image, ${formatMegabytes(base.sizeBytes)}.`;
  const upstream =
    base.upstreamSizeBytes === undefined
      ? ""
      : `; the upstream image is ${formatMegabytes(base.upstreamSizeBytes)}`;
  return (
    `- ${code(base.ref)}: **local stand-in, not the upstream image** (built from \`docker/bases/\` ` +
    `because no registry answered), ${formatMegabytes(base.sizeBytes)} here${upstream}. ` +
    "Sizes of the images on it count the stand-in."
  );
}

function sizeSection(rows: readonly ImageReportRow[]): string {
  const sizes = table(
    [
      "image",
      "approach",
      "size",
      "runtime base",
      "dependencies",
      "app",
      "budget",
      "headroom",
      "build context",
    ],
    rows.map((row) => [
      code(row.image),
      approachNames[row.approach],
      `**${formatMegabytes(row.sizeBytes)}**`,
      formatMegabytes(row.layers.baseBytes),
      formatBytes(row.layers.dependenciesBytes),
      formatBytes(row.layers.appBytes),
      formatMegabytes(row.budgetBytes),
      `${row.withinBudget ? "" : "**over** "}${formatMegabytes(row.headroomBytes)}`,
      `${formatBytes(row.contextBytes)} (${row.contextFiles} files)`,
    ]),
    2,
  );
  return [
    "## Sizes",
    sizes,
    "_Runtime base_: the layers of the base the final stage starts from. _Dependencies_: layers " +
      "that copy a `node_modules` folder. _App_: every other layer above the base (build output, " +
      "server config). _Build context_: the bytes of the tar stream sent to the engine (file contents, tar headers and padding).",
    "### Base images",
    basesOf(rows).map(baseNote).join("\n"),
    ...driftSection(rows),
  ].join("\n\n");
}

/** What the host-built images' drift check found, for the images it checked. */
function driftSection(rows: readonly ImageReportRow[]): string[] {
  const checked = rows.filter((row) => row.toolchainDrift !== undefined);
  if (checked.length === 0) return [];
  const lines = checked.flatMap(({ image, toolchainDrift = [] }) =>
    toolchainDrift.length === 0
      ? [`- ${code(image)}: none, the host's toolchain matches the runtime's.`]
      : toolchainDrift.map((warning) => `- ${code(image)}: ${warning}`),
  );
  return [
    "### Toolchain drift (host-built)",
    "Differences between the host that built the app and the runtime image that cannot break " +
      "the image; one that can stops the build.",
    lines.join("\n"),
  ];
}

/** A benchmarked image: its row and, never undefined, its figures. */
interface Benchmarked {
  row: ImageReportRow;
  figures: BenchmarkFigures;
}

function measuredOn(benchmarked: readonly Benchmarked[]): string {
  const machines = new Set(benchmarked.map(({ figures }) => describeMachine(figures.machine)));
  const days = [...new Set(benchmarked.map(({ figures }) => day(figures.measuredAt)))].sort();
  const runs = describeRuns([...new Set(benchmarked.map(({ figures }) => figures.runs))]);
  if (machines.size === 1) {
    return `Measured ${days.join(", ")} on ${[...machines][0]}; every figure is ${runs}.`;
  }
  const lines = benchmarked.map(
    ({ row, figures }) =>
      `- ${code(row.image)}: ${day(figures.measuredAt)}, ${describeMachine(figures.machine)}, ${describeRuns([figures.runs])}`,
  );
  return ["Measured on more than one machine, so compare with care:", ...lines].join("\n");
}

function benchmarkSection(rows: readonly ImageReportRow[]): string {
  const benchmarked = rows.flatMap((row) =>
    row.benchmark ? [{ row, figures: row.benchmark }] : [],
  );
  if (benchmarked.length === 0) {
    return "## Benchmark\n\nNo figures yet: `pnpm images bench` measures build, start and stop times.";
  }
  const buildTimes = table(
    ["image", "cold build", "warm build (one-line edit)", "cold ÷ warm"],
    benchmarked.map(({ row, figures: { coldSeconds, warmSeconds } }) => [
      code(row.image),
      formatSeconds(coldSeconds.median),
      formatSeconds(warmSeconds.median),
      formatRatio(coldSeconds.median, warmSeconds.median),
    ]),
  );
  const comparisons = compareApproaches(rows);
  const approaches = table(
    [
      "app",
      "cold: host-built",
      "cold: multi-stage",
      "ratio",
      "warm: host-built",
      "warm: multi-stage",
      "ratio",
    ],
    comparisons.map(({ app, hostBuilt, multiStage }) => [
      app,
      formatSeconds(hostBuilt.coldSeconds.median),
      formatSeconds(multiStage.coldSeconds.median),
      formatRatio(multiStage.coldSeconds.median, hostBuilt.coldSeconds.median),
      formatSeconds(hostBuilt.warmSeconds.median),
      formatSeconds(multiStage.warmSeconds.median),
      formatRatio(multiStage.warmSeconds.median, hostBuilt.warmSeconds.median),
    ]),
  );
  const withStage = benchmarked.flatMap(({ row, figures: { buildStageBytes } }) =>
    buildStageBytes === undefined ? [] : [{ row, buildStageBytes }],
  );
  const counterfactual = table(
    ["image", "build stage (`--target build`)", "final image", "final vs build stage"],
    withStage.map(({ row, buildStageBytes }) => [
      code(row.image),
      formatMegabytes(buildStageBytes),
      formatMegabytes(row.sizeBytes),
      formatReduction(row.sizeBytes, buildStageBytes),
    ]),
  );
  const runtime = table(
    ["image", "start → healthy", "`docker stop`"],
    benchmarked.map(({ row, figures }) => [
      code(row.image),
      `${figures.startToHealthySeconds.median.toFixed(2)} s`,
      `${figures.stopSeconds.median.toFixed(2)} s`,
    ]),
  );
  return [
    "## Benchmark",
    measuredOn(benchmarked),
    "### Build time",
    buildTimes,
    "_Cold_: nothing from the layer cache, and for host-built the host build rerun " +
      "(`turbo run build --force`) and staged; host-built times include the host build. " +
      "Package stores (pnpm's store on the host, the cache mount in Docker) stay warm in both. " +
      "_Warm_: the same build after appending one comment line to the app's source file.",
    ...(comparisons.length > 0
      ? ["### Host-built vs multi-stage", "Ratio: multi-stage time ÷ host-built time.", approaches]
      : []),
    ...(withStage.length > 0
      ? [
          "### Without multi-stage",
          "The build stage as an image is what a single-stage Dockerfile would ship: toolchain, " +
            "sources and every dependency.",
          counterfactual,
        ]
      : []),
    "### Start and stop",
    runtime,
    "_Start → healthy_: from `docker start` to the image's own HEALTHCHECK passing, probed every " +
      "0.1 s, with the catalogue's runtime options (user, read-only root filesystem, tmpfs). " +
      "_`docker stop`_: an idle container, 10 s grace.",
  ].join("\n\n");
}

/**
 * The report as Markdown: sizes split by layer against budgets, the bases (stand-ins named as
 * such), and the benchmark figures when there are any. `chart` is the SVG's path relative to the
 * Markdown file.
 */
export function renderMarkdownReport(
  rows: readonly ImageReportRow[],
  { writtenAt, chart }: { writtenAt: Date; chart: string },
): string {
  const written = `${writtenAt.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  return `${[
    "# Image report",
    `Written by \`pnpm images\` on ${written}. 1 MB = 1,000,000 bytes.`,
    `![Image size by layer and build times](${chart})`,
    sizeSection(rows),
    benchmarkSection(rows),
  ].join("\n\n")}\n`;
}
