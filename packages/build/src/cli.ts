import path from "node:path";
import { parseArgs } from "node:util";
import pc from "picocolors";
import { z } from "zod";
import { ensureBaseImages } from "./bases.ts";
import { benchmarkImage, readMachine } from "./benchmark.ts";
import { formatProgress, isStepEvent, type ProgressEvent } from "./buildkit.ts";
import { type Approach, approaches, catalogue, type ImageSpec } from "./catalogue.ts";
import { connectDocker } from "./docker.ts";
import { buildCatalogueImage } from "./images.ts";
import { measureLayerSplit } from "./layers.ts";
import { StepHeartbeat } from "./progress.ts";
import { repoRoot } from "./repo.ts";
import {
  describeBases,
  formatBenchmarkTable,
  formatTable,
  type MeasuredImage,
  reportDir,
  toReportRows,
} from "./report.ts";
import { prepareReportDir, writeReports } from "./report-files.ts";
import { removeLeftovers } from "./runs.ts";
import { assertNoLeftoverEdit } from "./source-edit.ts";

const apps = [...new Set(catalogue.map((spec) => spec.app))];

const usage = `Usage: pnpm images [bases|bench] [--app <${apps.join("|")}>] [--approach <host-built|multi-stage>]
                   [--runs <n>] [--out <dir>] [--verbose]

  (no command)  make sure the base images exist, stage host artifacts, build the catalogue's images,
                print sizes (split into base, dependencies and app) against budgets and build times,
                write images.json, images.md and images.svg to reports/
  bases         only make sure the base images exist (pull, else build the local stand-ins)
  bench         measure the trade-offs: cold and warm build times (a warm build follows a one-line
                source edit, reverted afterwards), start-to-healthy and \`docker stop\` times, each the
                median of --runs runs (default 3), and each multi-stage build stage's size; then
                print and write the same report, with these figures
  --out <dir>   write the report files there instead of reports/ (e.g. a folder the README embeds)
  --verbose     also print the output of every build step, not only which step runs`;

const started = performance.now();
const clock = () => pc.dim(`${((performance.now() - started) / 1000).toFixed(0).padStart(4)}s`);

function fail(message: string): never {
  console.error(pc.red(message));
  process.exit(1);
}

// The catalogue's own names work too, as the report prints them.
const approachByFlag: Record<string, Approach> = {
  "host-built": "hostBuilt",
  "multi-stage": "multiStage",
  ...Object.fromEntries(approaches.map((approach) => [approach, approach])),
};
const commandLine = z
  .object({
    command: z.enum(["build", "bases", "bench"], {
      error: (issue) => `Unknown command "${issue.input}".`,
    }),
    app: z
      .enum(apps, { error: (issue) => `Unknown app "${issue.input}": use ${apps.join(" or ")}.` })
      .optional(),
    approach: z
      .string()
      .refine((flag) => Object.hasOwn(approachByFlag, flag), {
        error: (issue) => `Unknown approach "${issue.input}": use host-built or multi-stage.`,
      })
      .transform((flag) => approachByFlag[flag])
      .optional(),
    runs: z
      .string()
      .regex(/^\d+$/, { error: (issue) => `--runs takes a whole number, got "${issue.input}".` })
      .transform(Number)
      .pipe(z.number().min(1, { error: "--runs must be at least 1." }))
      .optional(),
    out: z
      .string()
      .min(1, { error: "--out needs a folder." })
      .transform((dir) => path.resolve(process.env.INIT_CWD ?? process.cwd(), dir))
      .optional(),
    verbose: z.boolean(),
    help: z.boolean(),
  })
  .refine((options) => options.command === "bench" || options.runs === undefined, {
    error: "--runs applies to bench only.",
  });

function readCommandLine(): z.infer<typeof commandLine> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        app: { type: "string" },
        approach: { type: "string" },
        runs: { type: "string" },
        out: { type: "string" },
        verbose: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    fail(`${(error as Error).message}\n\n${usage}`);
  }
  if (parsed.positionals.length > 1) fail(`Expected at most one command.\n\n${usage}`);
  const result = commandLine.safeParse({
    command: parsed.positionals[0] ?? "build",
    ...parsed.values,
  });
  if (!result.success)
    fail(`${result.error.issues.map((issue) => issue.message).join("\n")}\n\n${usage}`);
  return result.data;
}

const options = readCommandLine();
if (options.help) {
  console.log(usage);
  process.exit(0);
}
const selected = catalogue.filter(
  (spec) =>
    (!options.app || spec.app === options.app) &&
    (!options.approach || spec.approach === options.approach),
);

/**
 * Prints one image's progress under its label: each phase (bench) and build step, and a heartbeat
 * while one runs long.
 */
function imageProgress(label: string) {
  const prefix = pc.cyan(label);
  const heartbeat = new StepHeartbeat((line) =>
    console.log(`${clock()} ${prefix} ${pc.dim(line)}`),
  );
  return {
    onPhase: (phase: string) => {
      heartbeat.observe({ kind: "step", text: phase });
      console.log(pc.bold(`${clock()} ${label} ${phase}`));
    },
    onProgress: (event: ProgressEvent) => {
      heartbeat.observe(event);
      if (options.verbose || isStepEvent(event))
        console.log(`${clock()} ${prefix} ${formatProgress(event)}`);
    },
    [Symbol.dispose]: () => heartbeat[Symbol.dispose](),
  };
}

const announce = (index: number, spec: ImageSpec, what: string) => {
  const label = `[${index + 1}/${selected.length} ${spec.image}]`;
  console.log(pc.bold(`\n${clock()} ${label} ${what}`));
  return label;
};

try {
  if (options.command !== "bases") await prepareReportDir(options.out ?? reportDir);
  const docker = await connectDocker();
  // Before anything is built: an edit an interrupted benchmark left would be built and shipped.
  for (const spec of selected) assertNoLeftoverEdit(path.join(repoRoot, spec.workspace.sourceFile));
  await removeLeftovers(docker, (line) => console.log(`${clock()} [leftovers] ${line}`));
  console.log(pc.bold("Base images"));
  const bases = await describeBases(
    docker,
    await ensureBaseImages(
      docker,
      selected.flatMap((spec) => spec.bases),
      (line) => console.log(`${clock()} ${line}`),
    ),
  );
  if (options.command === "bases") process.exit(0);

  const measured: MeasuredImage[] = [];
  if (options.command === "bench") {
    const runs = options.runs ?? 3;
    const machine = await readMachine(docker);
    for (const [index, spec] of selected.entries()) {
      const label = announce(
        index,
        spec,
        `${spec.approach} benchmark of ${spec.app}, ${runs} run${runs === 1 ? "" : "s"} of each kind`,
      );
      using progress = imageProgress(label);
      const image = await benchmarkImage(docker, spec, {
        runs,
        machine,
        onPhase: progress.onPhase,
        onProgress: progress.onProgress,
      });
      const { coldSeconds, warmSeconds } = image.benchmark;
      console.log(
        `${clock()} ${label} cold ${coldSeconds.median.toFixed(1)} s, warm ${warmSeconds.median.toFixed(1)} s (medians)`,
      );
      measured.push(image);
    }
  } else {
    for (const [index, spec] of selected.entries()) {
      const label = announce(
        index,
        spec,
        `${spec.approach} build of ${spec.app} (${spec.dockerfile})`,
      );
      using progress = imageProgress(label);
      const built = await buildCatalogueImage(docker, spec, { onProgress: progress.onProgress });
      console.log(`${clock()} ${label} done in ${built.buildSeconds.toFixed(1)} s`);
      measured.push({
        built,
        layers: await measureLayerSplit(docker, built.tag, spec.runtimeBase),
      });
    }
  }

  const rows = toReportRows(measured, bases);
  console.log(`\n${formatTable(rows)}`);
  if (options.command === "bench") console.log(`\n${formatBenchmarkTable(rows)}`);
  const written = await writeReports(rows, { dir: options.out ?? reportDir });
  const shown = (file: string) => {
    const relative = path.relative(process.cwd(), file);
    return relative.startsWith("..") ? file : relative;
  };
  console.log(`\nWrote ${written.map(shown).join(", ")}`);
  const over = rows.filter((row) => !row.withinBudget);
  if (over.length > 0) {
    fail(
      `Over budget: ${over.map((row) => row.image).join(", ")}. Shrink the image or, if the growth is intended, raise its sizeBudget in packages/build/src/catalogue.ts with the arithmetic.`,
    );
  }
  console.log(pc.dim(`Done in ${clock().trim()}`));
} catch (error) {
  fail((error as Error).message);
}
