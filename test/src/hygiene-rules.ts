import { readFileSync } from "node:fs";
import path from "node:path";
import { type ImageSpec, repoRoot } from "@repo/build";
import { isEnvFile } from "./canary.ts";
import type { ImageArchive } from "./image-archive.ts";

/**
 * The rules of image hygiene: which paths of a final image are leftovers of its build. Kept apart
 * from the suite (hygiene.ts) so that they are tested on their own against made-up images.
 */

/**
 * Node package managers. A runtime runs `node` and needs none of them. npm is tolerated where the
 * runtime base ships it, as the part of the Node distribution its users expect; pnpm, corepack
 * and yarn are not, so a final stage on a base that ships them removes them.
 */
const packageManagers = ["pnpm", "pnpx", "corepack", "yarn", "yarnpkg", "npm", "npx"];
const keptFromBase = new Set(["npm", "npx"]);

/**
 * The build toolchain, whether or not an app names it: each with its platform packages
 * (`turbo-linux-64`, `@esbuild/linux-x64`, `@rolldown/binding-…`, `@vitest/…`).
 */
const toolchainPackages = [
  "turbo",
  "typescript",
  "vite",
  "rolldown",
  "esbuild",
  "rollup",
  "lightningcss",
  "vitest",
];

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const readManifest = (dir: string) =>
  JSON.parse(readFileSync(path.join(repoRoot, dir, "package.json"), "utf8")) as Manifest;

/** The package a path inside a `node_modules` folder belongs to, e.g. `@types/node`. */
function packageOf(file: string): string | undefined {
  const [, inside] = /.*\/node_modules\/(.+)$/.exec(file) ?? [];
  const [first, second] = inside?.split("/") ?? [];
  return first?.startsWith("@") && second ? `${first}/${second}` : first;
}

/** A package folder or link: `…/node_modules/<name>` or `…/node_modules/@scope/<name>`. */
const isPackageRoot = (file: string) => /\/node_modules\/(@[^/]+\/)?[^/.@][^/]*$/.test(file);

/**
 * What the image's app must never ship: its devDependencies and the repository's (the build and
 * test tools), and the build toolchain — unless the app depends on the same package at runtime.
 */
function isDevPackage(spec: ImageSpec): (name: string) => boolean {
  const app = readManifest(spec.workspace.dir);
  const runtime = new Set(Object.keys(app.dependencies ?? {}));
  const devOnly = new Set(
    [app, readManifest(".")]
      .flatMap((manifest) => Object.keys(manifest.devDependencies ?? {}))
      .filter((name) => !runtime.has(name)),
  );
  return (name) =>
    devOnly.has(name) ||
    toolchainPackages.some(
      (tool) => name === tool || name.startsWith(`${tool}-`) || name.startsWith(`@${tool}/`),
    );
}

/** Workspace packages share the app's scope (`@repo/…`); a copy in node_modules is still ours. */
function isThirdParty(spec: ImageSpec): (file: string) => boolean {
  const scope = spec.workspace.package.startsWith("@")
    ? `${spec.workspace.package.split("/")[0]}/`
    : undefined;
  return (file) => {
    const owner = packageOf(file);
    return owner !== undefined && !(scope && owner.startsWith(scope));
  };
}

/** Files of the build, not of the running app; third-party packages ship what they publish. */
const buildLeftovers: { what: string; matches: (file: string) => boolean }[] = [
  {
    what: "TypeScript source",
    matches: (file) => /\.[cm]?tsx?$/.test(file) && !/\.d\.[cm]?ts$/.test(file),
  },
  { what: "tsconfig", matches: (file) => /(^|\/)tsconfig[^/]*\.json$/.test(file) },
  { what: "test", matches: (file) => /\.(test|spec)(-d)?\.[cm]?[jt]sx?$/.test(file) },
];

/** Never anywhere in an image, not even inside a dependency. */
const neverShipped: { what: string; matches: (file: string) => boolean }[] = [
  { what: "git metadata", matches: (file) => /(^|\/)\.git(\/|$)/.test(file) },
  { what: "env file", matches: isEnvFile },
];

/** What an image still holds of its build, by kind: a clean image has every list empty. */
export interface Leftovers {
  packageManagers: string[];
  devPackages: string[];
  /** Each as `<path> (<what>)`. */
  buildFiles: string[];
}

/**
 * What an image still holds of its build: `archive.files` is the image's filesystem, `baseFiles`
 * the part its runtime base brought.
 */
export function findLeftovers(
  spec: ImageSpec,
  archive: Pick<ImageArchive, "files" | "baseFiles">,
): Leftovers {
  const paths = [...archive.files];
  const isDev = isDevPackage(spec);
  const thirdParty = isThirdParty(spec);
  const isPackageManager = (file: string) => {
    const name = path.posix.basename(file);
    const folder = path.posix.basename(path.posix.dirname(file));
    return packageManagers.includes(name) && ["bin", ".bin", "node_modules"].includes(folder);
  };
  const keptByBase = (file: string) =>
    keptFromBase.has(path.posix.basename(file)) && archive.baseFiles.has(file);
  return {
    packageManagers: paths.filter((file) => isPackageManager(file) && !keptByBase(file)),
    devPackages: paths.filter((file) => {
      const name = packageOf(file);
      return isPackageRoot(file) && name !== undefined && isDev(name);
    }),
    buildFiles: paths.flatMap((file) =>
      [...neverShipped, ...(thirdParty(file) ? [] : buildLeftovers)]
        .filter((rule) => rule.matches(file))
        .map((rule) => `${file} (${rule.what})`),
    ),
  };
}
