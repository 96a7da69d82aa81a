import { SaxesParser } from "saxes";
import { describe, expect, it } from "vitest";
import { barMaxWidth, renderChart } from "./chart.ts";
import { benchmark, nginxBase, nodeBase, reportRow } from "./report-fixtures.test-support.ts";

interface Element {
  name: string;
  attributes: Record<string, string>;
  text: string;
}

/** Parses the SVG as strict XML (throwing on any error) into a flat list of its elements. */
function parseSvg(svg: string): Element[] {
  const elements: Element[] = [];
  const open: Element[] = [];
  const parser = new SaxesParser({ xmlns: false });
  parser.on("error", (error) => {
    throw error;
  });
  parser.on("opentag", (tag) => {
    const element = {
      name: tag.name,
      attributes: { ...tag.attributes } as Record<string, string>,
      text: "",
    };
    elements.push(element);
    open.push(element);
  });
  parser.on("text", (text) => {
    const current = open.at(-1);
    if (current) current.text += text;
  });
  parser.on("closetag", () => {
    open.pop();
  });
  parser.write(svg).close();
  return elements;
}

const bars = (elements: Element[], className: string) =>
  elements.filter((element) => element.name === "rect" && element.attributes.class === className);
const widthOf = (element: Element | undefined) => Number(element?.attributes.width);
const texts = (elements: Element[]) =>
  elements.filter((element) => element.name === "text").map((element) => element.text);

const api = reportRow({ benchmark: benchmark({ buildStageBytes: 900_000_000 }) });
const web = reportRow({
  app: "web",
  approach: "hostBuilt",
  image: "repo-web:host-built",
  sizeBytes: 150_000_000,
  layers: {
    runtimeBase: nginxBase.ref,
    baseBytes: 149_000_000,
    dependenciesBytes: 0,
    appBytes: 1_000_000,
  },
  bases: [nginxBase],
  benchmark: benchmark({
    coldSeconds: { median: 30, runs: [30] },
    warmSeconds: { median: 6, runs: [6] },
  }),
});

describe("renderChart", () => {
  it("is well-formed SVG with a size and an opaque background of its own", () => {
    const [svg, title, , background] = parseSvg(renderChart([web, api]));
    expect(svg?.name).toBe("svg");
    expect(svg?.attributes.xmlns).toBe("http://www.w3.org/2000/svg");
    expect(Number(svg?.attributes.height)).toBeGreaterThan(0);
    expect(title?.text).toMatch(/size.*build time/i);
    expect(background?.attributes.fill).toBe("#ffffff");
  });

  it("draws each part of an image to one scale, with the largest bar at full width", () => {
    const elements = parseSvg(renderChart([web, api]));
    const [webBase, apiBase] = bars(elements, "base");
    const [, apiDependencies] = bars(elements, "dependencies");
    const [webApp, apiApp] = bars(elements, "app");
    const [apiBuildStage] = bars(elements, "build-stage");
    // The api's build stage (900 MB) is the largest figure.
    expect(widthOf(apiBuildStage)).toBeCloseTo(barMaxWidth, 1);
    const pxPerMb = barMaxWidth / 900;
    expect(widthOf(apiBase)).toBeCloseTo(250 * pxPerMb, 1);
    expect(widthOf(apiDependencies)).toBeCloseTo(40 * pxPerMb, 1);
    expect(widthOf(apiApp)).toBeCloseTo(10 * pxPerMb, 1);
    expect(widthOf(webBase)).toBeCloseTo(149 * pxPerMb, 1);
    expect(widthOf(webApp)).toBeCloseTo(1 * pxPerMb, 1);
  });

  it("stacks the parts: each starts where the previous one ends", () => {
    const elements = parseSvg(renderChart([api]));
    const [base, dependencies, app] = ["base", "dependencies", "app"].map(
      (className) => bars(elements, className)[0]?.attributes,
    );
    expect(Number(dependencies?.x)).toBeCloseTo(Number(base?.x) + Number(base?.width), 1);
    expect(Number(app?.x)).toBeCloseTo(Number(dependencies?.x) + Number(dependencies?.width), 1);
  });

  it("draws cold and warm build times to one scale", () => {
    const elements = parseSvg(renderChart([web, api]));
    const [webCold, apiCold] = bars(elements, "cold");
    const [webWarm, apiWarm] = bars(elements, "warm");
    expect(widthOf(apiCold)).toBeCloseTo(barMaxWidth, 1);
    expect(widthOf(webCold)).toBeCloseTo(barMaxWidth / 2, 1);
    expect(widthOf(apiWarm)).toBeCloseTo(barMaxWidth / 4, 1);
    expect(widthOf(webWarm)).toBeCloseTo(barMaxWidth / 10, 1);
  });

  it("labels every bar with its image and its value in MB or seconds", () => {
    const labels = texts(parseSvg(renderChart([web, api])));
    expect(labels).toEqual(
      expect.arrayContaining([
        "repo-web:host-built",
        "repo-api:multi-stage †",
        "300.0 MB (deps 40.0 MB, app 10.0 MB)",
        "150.0 MB (app 1.0 MB)",
        "900.0 MB; final image -67 %",
        "cold 60.0 s",
        "warm 15.0 s",
        "cold 30.0 s",
        "warm 6.0 s",
      ]),
    );
    expect(labels.join("\n")).toContain("median of 3 runs");
    expect(labels.join("\n")).toContain("2025-06-01, 2 CPUs, 24 GB RAM, Docker Engine 20.10.24");
  });

  it("says which base is a local stand-in, and marks the images on it", () => {
    const labels = texts(parseSvg(renderChart([web, api])));
    expect(labels).toContain(
      `† ${nodeBase.ref} is a local stand-in, not the upstream image: 272.2 MB here, 253.9 MB upstream.`,
    );
    expect(labels).toContain("repo-web:host-built");
    const upstreamOnly = texts(parseSvg(renderChart([web])));
    expect(upstreamOnly.join("\n")).not.toContain("stand-in");
  });

  it("leaves out a stand-in that only the build stages use: the sizes do not count it", () => {
    const builtOnNode = { ...web, approach: "multiStage" as const, bases: [nginxBase, nodeBase] };
    expect(texts(parseSvg(renderChart([builtOnNode]))).join("\n")).not.toContain("stand-in");
  });

  it("asks for a benchmark instead of drawing times it does not have", () => {
    const elements = parseSvg(renderChart([reportRow()]));
    expect(bars(elements, "cold")).toHaveLength(0);
    expect(bars(elements, "build-stage")).toHaveLength(0);
    expect(texts(elements)).toContain("No build times yet: run `pnpm images bench`.");
  });

  it("escapes names that are not XML-safe", () => {
    const labels = texts(parseSvg(renderChart([reportRow({ image: 'repo<api>&co:"x"' })])));
    expect(labels).toContain('repo<api>&co:"x" †');
  });
});
