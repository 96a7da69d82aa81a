import { readFileSync } from "node:fs";
import path from "node:path";
import { catalogue, type ImageSpec, repoRoot } from "@repo/build";
import { parse } from "yaml";
import { z } from "zod";

const composePath = path.join(repoRoot, "compose.yaml");

/** Compose's `/path` or `/path:options`, split as Compose splits it: path → mount options. */
const tmpfsMounts = (entries: string[]): Record<string, string> =>
  Object.fromEntries(
    entries.map((entry) => {
      const colon = entry.indexOf(":");
      return colon === -1 ? [entry, ""] : [entry.slice(0, colon), entry.slice(colon + 1)];
    }),
  );

// Only the settings compose.yaml uses, in the forms it uses them. Any other key is a setting the
// stack test would not reproduce, so reading the file fails until the test learns it.
const serviceSchema = z.strictObject({
  build: z.strictObject({ context: z.string(), dockerfile: z.string() }),
  image: z.string(),
  ports: z.array(z.string()).default([]),
  environment: z.record(z.string(), z.string()).default({}),
  depends_on: z.record(z.string(), z.strictObject({ condition: z.string() })).default({}),
  read_only: z.boolean().default(false),
  user: z.string().optional(),
  tmpfs: z.array(z.string()).default([]).transform(tmpfsMounts),
});
const composeSchema = z.strictObject({ services: z.record(z.string(), serviceSchema) });

export type Compose = z.infer<typeof composeSchema>;
type ComposeService = z.infer<typeof serviceSchema>;

/** compose.yaml at the repository root, checked against the shape the stack test reproduces. */
export function readCompose(): Compose {
  const result = composeSchema.safeParse(parse(readFileSync(composePath, "utf8")));
  if (!result.success) {
    throw new Error(
      `${composePath} uses a setting or a form the stack test does not reproduce:\n` +
        `${z.prettifyError(result.error)}\n` +
        "Write it in the forms the file already uses, or teach test/src/stack-compose.ts and the " +
        "stack test the new setting, so that the test keeps starting what compose.yaml runs.",
    );
  }
  return result.data;
}

/** A service of compose.yaml with the catalogue entry of the image it runs. */
export type StackService = ComposeService & { name: string; spec: ImageSpec };

export interface Stack {
  web: StackService;
  /** The service web's API_UPSTREAM names. */
  api: StackService;
  apiUpstream: URL;
}

function stackService(compose: Compose, name: string): StackService {
  const service = compose.services[name];
  if (!service) {
    throw new Error(`${composePath} has no service "${name}"; add it, as the stack needs it.`);
  }
  const spec = catalogue.find((entry) => entry.image === service.image);
  if (!spec) {
    throw new Error(
      `${composePath}: service "${name}" runs ${service.image}, which the catalogue does not ` +
        `build; use one of ${catalogue.map((entry) => entry.image).join(", ")}.`,
    );
  }
  return { ...service, name, spec };
}

/** The stack compose.yaml runs: web, and the api service its API_UPSTREAM points at. */
export function composeStack(compose: Compose): Stack {
  const web = stackService(compose, "web");
  const upstream = web.environment.API_UPSTREAM;
  if (!upstream || !URL.canParse(upstream)) {
    throw new Error(
      `${composePath}: service "web" needs API_UPSTREAM set to the api's URL, e.g. ` +
        `http://api:3000 (got ${upstream ?? "nothing"}).`,
    );
  }
  const apiUpstream = new URL(upstream);
  return { web, api: stackService(compose, apiUpstream.hostname), apiUpstream };
}
