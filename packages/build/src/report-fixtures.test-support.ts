import type { BenchmarkFigures } from "./benchmark.ts";
import type { ImageReportRow, ReportBase } from "./report.ts";

export const nodeBase: ReportBase = {
  ref: "node:24.22.3-trixie-slim",
  standIn: true,
  sizeBytes: 272_237_414,
  upstreamSizeBytes: 253_900_000,
};
export const nginxBase: ReportBase = {
  ref: "nginxinc/nginx-unprivileged:1.31.6-alpine",
  standIn: false,
  sizeBytes: 66_000_000,
};

const sample = (median: number) => ({ median, runs: [median] });

export const benchmark = (overrides: Partial<BenchmarkFigures> = {}): BenchmarkFigures => ({
  measuredAt: "2025-06-01T10:00:00.000Z",
  machine: {
    cpus: 2,
    cpuModel: "AMD EPYC 7B13",
    memoryBytes: 24_000_000_000,
    os: "Linux 6.1.0 x64",
    docker: "Docker Engine 20.10.24",
  },
  runs: 3,
  coldSeconds: sample(60),
  warmSeconds: sample(15),
  startToHealthySeconds: sample(0.4),
  stopSeconds: sample(0.2),
  ...overrides,
});

/** A report row with sizes that are easy to check by hand: 250 + 40 + 10 = 300 MB. */
export function reportRow(overrides: Partial<ImageReportRow> = {}): ImageReportRow {
  return {
    app: "api",
    approach: "multiStage",
    image: "repo-api:multi-stage",
    port: 3000,
    healthPath: "/health",
    sizeBytes: 300_000_000,
    budgetBytes: 330_000_000,
    headroomBytes: 30_000_000,
    withinBudget: true,
    layers: {
      runtimeBase: nodeBase.ref,
      baseBytes: 250_000_000,
      dependenciesBytes: 40_000_000,
      appBytes: 10_000_000,
    },
    buildSeconds: 61.2,
    contextBytes: 2_400_000,
    contextFiles: 120,
    bases: [nodeBase],
    ...overrides,
  };
}
