import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/** The repository root: every Dockerfile, context and staged folder is resolved from here. */
export const repoRoot = path.resolve(import.meta.dirname, "../../..");

const readText = (file: string) => readFileSync(path.join(repoRoot, file), "utf8");

/**
 * The toolchain versions the repository pins, each read from its one place:
 * Node from `.node-version`, pnpm from `packageManager`, turbo from the installed devDependency
 * (whose version the pnpm catalogue pins).
 */
export function readToolchain() {
  const nodeVersion = readText(".node-version").trim();
  const rootManifest = JSON.parse(readText("package.json")) as { packageManager?: string };
  const pnpmVersion = /^pnpm@(\d+\.\d+\.\d+)/.exec(rootManifest.packageManager ?? "")?.[1];
  if (!/^\d+\.\d+\.\d+$/.test(nodeVersion)) {
    throw new Error(
      `.node-version must hold an exact version such as 24.22.3, found "${nodeVersion}".`,
    );
  }
  if (!pnpmVersion) {
    throw new Error(
      'package.json "packageManager" must name an exact pnpm version, e.g. "pnpm@10.34.9".',
    );
  }
  const requireFromRoot = createRequire(path.join(repoRoot, "package.json"));
  const turboVersion = (requireFromRoot("turbo/package.json") as { version: string }).version;
  return { nodeVersion, pnpmVersion, turboVersion };
}

export type Toolchain = ReturnType<typeof readToolchain>;
