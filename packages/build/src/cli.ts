import { parseArgs } from "node:util";
import pc from "picocolors";
import { ensureBaseImages } from "./bases.ts";
import { formatProgress, isStepEvent, type ProgressEvent } from "./buildkit.ts";
import { catalogue } from "./catalogue.ts";
import { connectDocker } from "./docker.ts";
import { type BuiltImage, buildCatalogueImage } from "./images.ts";
import { formatTable, toReportRows, writeReport } from "./report.ts";

const usage = `Usage: pnpm images [bases] [--app <name>] [--approach <host-built|multi-stage>] [--verbose]

  (no command)  make sure the base images exist, stage host artifacts, build the catalogue's images,
                print sizes against budgets and build times, write reports/images.json
  bases         only make sure the base images exist (pull, else build the local stand-ins)`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    app: { type: "string" },
    approach: { type: "string" },
    verbose: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

const approachByFlag = { "host-built": "hostBuilt", "multi-stage": "multiStage" } as const;
const command = positionals[0] ?? "build";
const started = performance.now();
const clock = () => pc.dim(`${((performance.now() - started) / 1000).toFixed(0).padStart(4)}s`);

function fail(message: string): never {
  console.error(pc.red(message));
  process.exit(1);
}

if (values.help) {
  console.log(usage);
  process.exit(0);
}
if (!["build", "bases"].includes(command)) fail(`Unknown command "${command}".\n\n${usage}`);
if (values.approach && !(values.approach in approachByFlag)) {
  fail(`Unknown approach "${values.approach}": use host-built or multi-stage.`);
}
const selected = catalogue.filter(
  (spec) =>
    (!values.app || spec.app === values.app) &&
    (!values.approach ||
      spec.approach === approachByFlag[values.approach as keyof typeof approachByFlag]),
);
if (selected.length === 0) {
  fail(
    `No catalogue image matches --app ${values.app}; apps: ${[...new Set(catalogue.map((s) => s.app))].join(", ")}.`,
  );
}

const progress = (prefix: string) => (event: ProgressEvent) => {
  if (values.verbose || isStepEvent(event))
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
  if (command === "bases") process.exit(0);

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
