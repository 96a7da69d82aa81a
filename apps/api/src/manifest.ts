import { readFileSync } from "node:fs";
import { z } from "zod";

const manifestSchema = z.object({ name: z.string(), version: z.string() });

/**
 * The api's name and version from its package.json. `../package.json` is the same file seen from
 * src/ (development) and from dist/ (built, and in the deployed image).
 */
export function readManifest(): z.infer<typeof manifestSchema> {
  const text = readFileSync(new URL("../package.json", import.meta.url), "utf8");
  return manifestSchema.parse(JSON.parse(text));
}
