import { parseArgs } from "node:util";
import pc from "picocolors";
import { z } from "zod";
import { ensureBaseImages } from "./bases.ts";
import { formatProgress, isStepEvent, type ProgressEvent } from "./buildkit.ts";
import { type Approach, approaches, catalogue } from "./catalogue.ts";
import { connectDocker } from "./docker.ts";
import { type BuiltImage, buildCatalogueImage } from "./images.ts";
import { formatTable, toReportRows, writeReport } from "./report.ts";

const apps = [...new Set(catalogue.map((spec) => spec.app))];

const usage = `Usage: pnpm images [bases] [--app <${apps.join("|")}>] [--approach <host-built|multi-stage>] [--verbose]

  (no command)  make sure the base images exist, stage host artifacts, build the catalogue's images,
                print sizes against budgets and build times, write reports/images.json
  bases         only make sure the base images exist (pull, else build the local stand-ins)
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
const commandLine = z.object({
  command: z.enum(["build", "bases"], { error: (issue) => `Unknown command "${issue.input}".` }),
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
  verbose: z.boolean(),
  help: z.boolean(),
});

function readCommandLine(): z.infer<typeof commandLine> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        app: { type: "string" },
        approach: { type: "string" },
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

const progress = (prefix: string) => (event: ProgressEvent) => {
  if (options.verbose || isStepEvent(event))
    console.log(`${clock()} ${prefix} ${formatProgress(event)}`);
};

try {
  const docker = await connectDocker();
  console.log(pc.bold("Base images"));
  const bases = await ensureBaseImages(
    docker,
    selected.flatMap((spec) => spec.bases),
    (line) => console.log(`${clock()} ${line}`),
  );
  if (options.command === "bases") process.exit(0);

  const built: BuiltImage[] = [];
  for (const [index, spec] of selected.entries()) {
    const label = `[${index + 1}/${selected.length} ${spec.image}]`;
    console.log(
      pc.bold(`\n${clock()} ${label} ${spec.approach} build of ${spec.app} (${spec.dockerfile})`),
    );
    const image = await buildCatalogueImage(docker, spec, { onProgress: progress(pc.cyan(label)) });
    console.log(`${clock()} ${label} done in ${image.buildSeconds.toFixed(1)} s`);
    built.push(image);
  }

  const rows = toReportRows(built, bases);
  console.log(`\n${formatTable(rows, bases)}`);
  console.log(`\nWrote ${await writeReport(rows)}`);
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
