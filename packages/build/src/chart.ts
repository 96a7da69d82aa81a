import {
  basesOf,
  describeRuns,
  formatBytes,
  formatMegabytes,
  formatReduction,
  type ImageReportRow,
} from "./report.ts";

// Primer's colours on an opaque light card: the chart reads the same on GitHub's light and dark
// themes, and a system font stack needs nothing from outside the file.
const style = `
  text { font-family: -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; font-size: 12px; fill: #1f2328; }
  .title { font-size: 15px; font-weight: 600; }
  .muted { fill: #59636e; }
  .base { fill: #8c959f; }
  .dependencies { fill: #bf8700; }
  .app { fill: #1a7f37; }
  .build-stage { fill: none; stroke: #8c959f; stroke-dasharray: 4 3; }
  .cold { fill: #0969da; }
  .warm { fill: #54aeff; }`;

const width = 880;
const margin = 24;
const labelWidth = 190;
const valueWidth = 260;
const barX = margin + labelWidth;
/** Width of the longest bar of a panel; every other bar is to scale with it. */
export const barMaxWidth = width - barX - valueWidth - margin;
const barHeight = 18;
const timeBarHeight = 12;
const rowGap = 12;

const escapeXml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (char) =>
      ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[char] ?? char,
  );
const px = (value: number) => Number(value.toFixed(2));

const text = (x: number, y: number, content: string, className?: string) =>
  `<text x="${px(x)}" y="${px(y)}"${className ? ` class="${className}"` : ""}>${escapeXml(content)}</text>`;

const rect = (x: number, y: number, w: number, h: number, className: string) =>
  `<rect class="${className}" x="${px(x)}" y="${px(y)}" width="${px(w)}" height="${h}"/>`;

function legend(y: number, entries: [className: string, label: string][]): string[] {
  let x = barX;
  return entries.flatMap(([className, label]) => {
    const item = [rect(x, y - 10, 12, 12, `${className} swatch`), text(x + 17, y, label, "muted")];
    // No text measuring in a static SVG: 6.5 px per character of 12 px text is close enough.
    x += 34 + label.length * 6.5;
    return item;
  });
}

/** The stand-ins the charted sizes count; a base only the build stages use is not in them. */
const standInRuntimeBases = (rows: readonly ImageReportRow[]) =>
  basesOf(rows).filter(
    (base) => base.standIn && rows.some((row) => row.layers.runtimeBase === base.ref),
  );

/** Panel 1: each image's size stacked as base, dependencies and app, and the build stage beside it. */
function sizePanel(
  rows: readonly ImageReportRow[],
  top: number,
): { svg: string[]; bottom: number } {
  const maxBytes = Math.max(
    ...rows.map((row) => Math.max(row.sizeBytes, row.benchmark?.buildStageBytes ?? 0)),
  );
  const scale = (bytes: number) => (bytes / maxBytes) * barMaxWidth;
  const standIns = new Set(
    basesOf(rows)
      .filter((base) => base.standIn)
      .map((base) => base.ref),
  );
  const svg = [
    text(margin, top + 15, "Image size by layer", "title"),
    ...legend(top + 40, [
      ["base", "runtime base"],
      ["dependencies", "dependencies"],
      ["app", "app"],
      ["build-stage", "build stage (no multi-stage)"],
    ]),
  ];
  let y = top + 56;
  for (const row of rows) {
    const { baseBytes, dependenciesBytes, appBytes, runtimeBase } = row.layers;
    svg.push(text(margin, y + 13, `${row.image}${standIns.has(runtimeBase) ? " †" : ""}`));
    let x = barX;
    for (const [className, bytes] of [
      ["base", baseBytes],
      ["dependencies", dependenciesBytes],
      ["app", appBytes],
    ] as const) {
      svg.push(rect(x, y, scale(bytes), barHeight, className));
      x += scale(bytes);
    }
    const parts = [
      ...(dependenciesBytes > 0 ? [`deps ${formatBytes(dependenciesBytes)}`] : []),
      `app ${formatBytes(appBytes)}`,
    ];
    svg.push(text(x + 8, y + 13, `${formatMegabytes(row.sizeBytes)} (${parts.join(", ")})`));
    y += barHeight + rowGap;
    const stageBytes = row.benchmark?.buildStageBytes;
    if (stageBytes !== undefined) {
      svg.push(text(margin + 12, y + 13, "build stage", "muted"));
      svg.push(rect(barX, y, scale(stageBytes), barHeight, "build-stage"));
      svg.push(
        text(
          barX + scale(stageBytes) + 8,
          y + 13,
          `${formatMegabytes(stageBytes)}; final image ${formatReduction(row.sizeBytes, stageBytes)}`,
          "muted",
        ),
      );
      y += barHeight + rowGap;
    }
  }
  return { svg, bottom: y };
}

/** Panel 2: cold and warm build times, for the images that have benchmark figures. */
function timePanel(
  rows: readonly ImageReportRow[],
  top: number,
): { svg: string[]; bottom: number } {
  const benchmarked = rows.filter((row) => row.benchmark);
  const svg = [text(margin, top + 15, "Build time", "title")];
  if (benchmarked.length === 0) {
    svg.push(text(margin, top + 40, "No build times yet: run `pnpm images bench`.", "muted"));
    return { svg, bottom: top + 52 };
  }
  const runs = [...new Set(benchmarked.map((row) => row.benchmark?.runs ?? 0))];
  svg.push(
    ...legend(top + 40, [
      ["cold", "cold: no layer cache"],
      ["warm", "warm: after a one-line source edit"],
    ]),
    text(
      barX,
      top + 60,
      `Each bar: ${describeRuns(runs)}; host-built includes the host build; package stores stay warm.`,
      "muted",
    ),
  );
  const maxSeconds = Math.max(
    ...benchmarked.flatMap((row) => [
      row.benchmark?.coldSeconds.median ?? 0,
      row.benchmark?.warmSeconds.median ?? 0,
    ]),
  );
  const scale = (seconds: number) => (seconds / maxSeconds) * barMaxWidth;
  let y = top + 76;
  for (const row of benchmarked) {
    svg.push(text(margin, y + 17, row.image));
    for (const [className, seconds] of [
      ["cold", row.benchmark?.coldSeconds.median ?? 0],
      ["warm", row.benchmark?.warmSeconds.median ?? 0],
    ] as const) {
      svg.push(rect(barX, y, scale(seconds), timeBarHeight, className));
      svg.push(text(barX + scale(seconds) + 8, y + 10, `${className} ${seconds.toFixed(1)} s`));
      y += timeBarHeight + 3;
    }
    y += rowGap;
  }
  return { svg, bottom: y };
}

/** Notes under the panels: which bases are local stand-ins, and where the times were measured. */
function footnotes(
  rows: readonly ImageReportRow[],
  top: number,
): { svg: string[]; bottom: number } {
  const lines = standInRuntimeBases(rows).map(
    (base) =>
      `† ${base.ref} is a local stand-in, not the upstream image: ${formatMegabytes(base.sizeBytes)} here` +
      (base.upstreamSizeBytes === undefined
        ? "."
        : `, ${formatMegabytes(base.upstreamSizeBytes)} upstream.`),
  );
  const machines = new Set(
    rows.flatMap(({ benchmark }) =>
      benchmark
        ? [
            `${benchmark.measuredAt.slice(0, 10)}, ${benchmark.machine.cpus} CPUs, ` +
              `${(benchmark.machine.memoryBytes / 1e9).toFixed(0)} GB RAM, ${benchmark.machine.docker}`,
          ]
        : [],
    ),
  );
  if (machines.size > 0) lines.push(`Build times measured ${[...machines].join("; ")}.`);
  return {
    svg: lines.map((line, index) => text(margin, top + 14 + index * 18, line, "muted")),
    bottom: top + lines.length * 18 + (lines.length > 0 ? 8 : 0),
  };
}

/**
 * The report's chart as a self-contained SVG: image sizes split into base, dependencies and app
 * (with the build stage a single-stage image would ship), and cold and warm build times.
 */
export function renderChart(rows: readonly ImageReportRow[]): string {
  const sizes = sizePanel(rows, margin);
  const times = timePanel(rows, sizes.bottom + 16);
  const notes = footnotes(rows, times.bottom + 4);
  const height = Math.ceil(notes.bottom + margin - 12);
  return `${[
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="chart-title">`,
    `<title id="chart-title">Image size by layer and build time per image</title>`,
    `<style>${style}\n</style>`,
    `<rect x="0.5" y="0.5" width="${width - 1}" height="${height - 1}" rx="6" fill="#ffffff" stroke="#d1d9e0"/>`,
    ...sizes.svg,
    ...times.svg,
    ...notes.svg,
    "</svg>",
  ].join("\n")}\n`;
}
