import { describe, expect, it } from "vitest";
import { benchmark, nginxBase, nodeBase, reportRow } from "./report-fixtures.test-support.ts";
import { renderMarkdownReport } from "./report-markdown.ts";

const writtenAt = new Date("2025-06-02T08:30:00Z");
const render = (rows: Parameters<typeof renderMarkdownReport>[0]) =>
  renderMarkdownReport(rows, { writtenAt, chart: "images.svg" });

/** The body rows of the first Markdown table after `heading`, as arrays of trimmed cells. */
function tableUnder(markdown: string, heading: string): string[][] {
  const after = (markdown.split(`${heading}\n`)[1] ?? "").split("\n");
  const start = after.findIndex((line) => line.startsWith("|"));
  const end = after.findIndex((line, index) => index > start && !line.startsWith("|"));
  return after.slice(start + 2, end === -1 ? undefined : end).map((line) =>
    line
      .slice(1, -1)
      .split("|")
      .map((cell) => cell.trim()),
  );
}

const hostBuiltApi = reportRow({
  approach: "hostBuilt",
  image: "repo-api:host-built",
  benchmark: benchmark({
    coldSeconds: { median: 20, runs: [19, 20, 24] },
    warmSeconds: { median: 8, runs: [8, 8, 9] },
  }),
});
const multiStageApi = reportRow({
  benchmark: benchmark({ buildStageBytes: 750_000_000 }),
});

describe("renderMarkdownReport", () => {
  it("says when it was written and embeds the chart", () => {
    const markdown = render([reportRow()]);
    expect(markdown).toContain("2025-06-02 08:30 UTC");
    expect(markdown).toContain("![Image size by layer and build times](images.svg)");
  });

  it("lists each image's size split into base, dependencies and app, with budget and context", () => {
    const [row] = tableUnder(render([reportRow()]), "## Sizes");
    expect(row).toEqual([
      "`repo-api:multi-stage`",
      "multi-stage",
      "**300.0 MB**",
      "250.0 MB",
      "40.0 MB",
      "10.0 MB",
      "330.0 MB",
      "30.0 MB",
      "2.4 MB (120 files)",
    ]);
  });

  it("gives parts below a megabyte in kB, so a small app layer does not read as nothing", () => {
    const web = reportRow({
      layers: {
        runtimeBase: nginxBase.ref,
        baseBytes: 155_125_208,
        dependenciesBytes: 0,
        appBytes: 415_411,
      },
      contextBytes: 417_043,
    });
    const [row] = tableUnder(render([web]), "## Sizes");
    expect([row?.[4], row?.[5], row?.[8]]).toEqual(["0", "415.4 kB", "417.0 kB (120 files)"]);
  });

  it("marks an image over budget", () => {
    const over = reportRow({ withinBudget: false, headroomBytes: -5_000_000 });
    expect(tableUnder(render([over]), "## Sizes")[0]?.[7]).toBe("**over** -5.0 MB");
  });

  it("names a local stand-in base as such, with the upstream image's size", () => {
    const markdown = render([reportRow({ bases: [nodeBase, nginxBase] })]);
    expect(markdown).toContain(
      "- `node:24.22.3-trixie-slim`: **local stand-in, not the upstream image**",
    );
    expect(markdown).toContain("272.2 MB here; the upstream image is 253.9 MB");
    expect(markdown).toContain(
      "- `nginxinc/nginx-unprivileged:1.31.6-alpine`: upstream image, 66.0 MB.",
    );
  });

  it("lists the toolchain drift of host-built images, and says when there is none", () => {
    const drifting = reportRow({
      approach: "hostBuilt",
      image: "repo-api:host-built",
      toolchainDrift: ["The host runs Node 22.1.0, the runtime image runs Node 24.22.3: harmless."],
    });
    const matching = reportRow({
      app: "web",
      approach: "hostBuilt",
      image: "repo-web:host-built",
      toolchainDrift: [],
    });
    const markdown = render([matching, drifting, reportRow()]);
    expect(markdown).toContain(
      "- `repo-web:host-built`: none, the host's toolchain matches the runtime's.\n" +
        "- `repo-api:host-built`: The host runs Node 22.1.0, the runtime image runs Node 24.22.3: harmless.",
    );
    expect(markdown).not.toContain("- `repo-api:multi-stage`");
    expect(render([reportRow()])).not.toContain("Toolchain drift");
  });

  it("asks for a benchmark when there are no figures", () => {
    const markdown = render([reportRow()]);
    expect(markdown).toContain("No figures yet: `pnpm images bench`");
    expect(markdown).not.toContain("### Build time");
  });

  it("gives build times with ratios, the counterfactual and start/stop times", () => {
    const markdown = render([hostBuiltApi, multiStageApi]);
    expect(markdown).toContain(
      "Measured 2025-06-01 on 2 CPUs (AMD EPYC 7B13), 24.0 GB RAM, Linux 6.1.0 x64, " +
        "Docker Engine 20.10.24; every figure is the median of 3 runs.",
    );
    expect(tableUnder(markdown, "### Build time")).toEqual([
      ["`repo-api:host-built`", "20.0 s", "8.0 s", "2.5×"],
      ["`repo-api:multi-stage`", "60.0 s", "15.0 s", "4.0×"],
    ]);
    expect(tableUnder(markdown, "### Host-built vs multi-stage")).toEqual([
      ["api", "20.0 s", "60.0 s", "3.0×", "8.0 s", "15.0 s", "1.9×"],
    ]);
    expect(tableUnder(markdown, "### Without multi-stage")).toEqual([
      ["`repo-api:multi-stage`", "750.0 MB", "300.0 MB", "-60 %"],
    ]);
    expect(tableUnder(markdown, "### Start and stop")).toEqual([
      ["`repo-api:host-built`", "0.40 s", "0.20 s"],
      ["`repo-api:multi-stage`", "0.40 s", "0.20 s"],
    ]);
  });

  it("does not call a single run a median", () => {
    const once = reportRow({ benchmark: benchmark({ runs: 1 }) });
    expect(render([once])).toContain("; every figure is a single run.");
  });

  it("lists each image's machine when the figures come from more than one", () => {
    const elsewhere = reportRow({
      benchmark: benchmark({
        measuredAt: "2025-06-03T00:00:00.000Z",
        machine: { ...benchmark().machine, cpus: 16 },
      }),
    });
    const markdown = render([hostBuiltApi, elsewhere]);
    expect(markdown).toContain("Measured on more than one machine");
    expect(markdown).toContain("- `repo-api:multi-stage`: 2025-06-03, 16 CPUs (AMD EPYC 7B13)");
  });
});
