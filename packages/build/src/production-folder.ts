import {
  lstat,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import path from "node:path";

/**
 * Turns a `pnpm deploy --prod` folder into what the runtime image copies. Both api images run
 * it: `pnpm images` on the staged host folder, the multi-stage build stage on its own
 * (`node production-folder.ts <folder>`), so this file imports nothing but Node's own modules.
 *
 * What it takes out, Node never reads at run time, and it is what made the folder depend on where
 * it was made: pnpm's bookkeeping (timestamps), `.bin` shims (they hard-code the folder's absolute
 * path), the manifest's scripts and dependency lists (devDependencies, `file:` paths of the
 * checkout) and the checkout path in the store folders of injected workspace packages.
 */

/** pnpm's bookkeeping in a deploy folder, relative to it. */
export const deployBookkeeping = [
  "pnpm-lock.yaml",
  "node_modules/.modules.yaml",
  "node_modules/.pnpm-workspace-state-v1.json",
  "node_modules/.pnpm/lock.yaml",
];

/** The manifest fields Node reads when it loads the app: module type and entry points. */
const runtimeManifestFields = ["name", "version", "private", "type", "main", "exports", "imports"];

/**
 * An injected workspace package's store folder is named after its absolute path, e.g.
 * `@repo+shared@file++++home+me+repo+packages+shared`; it becomes `@repo+shared@workspace`.
 */
const injectedPath = /@file\+[^()]*/;
const injectedName = "@workspace";

async function* walk(dir: string): AsyncGenerator<{ file: string; isLink: boolean }> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    yield { file, isLink: entry.isSymbolicLink() };
    if (entry.isDirectory()) yield* walk(file);
  }
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false,
  );
}

export async function finishProductionFolder(folder: string): Promise<void> {
  const manifestFile = path.join(folder, "package.json");
  const manifest = JSON.parse(await readFile(manifestFile, "utf8")) as Record<string, unknown>;
  const runtimeManifest = Object.fromEntries(
    runtimeManifestFields
      .filter((field) => field in manifest)
      .map((field) => [field, manifest[field]]),
  );
  await writeFile(manifestFile, `${JSON.stringify(runtimeManifest, null, 2)}\n`);

  await Promise.all(deployBookkeeping.map((file) => rm(path.join(folder, file), { force: true })));

  const modules = path.join(folder, "node_modules");
  if (!(await exists(modules))) return;
  const binFolders: string[] = [];
  for await (const { file, isLink } of walk(modules)) {
    if (!isLink && path.basename(file) === ".bin") binFolders.push(file);
  }
  await Promise.all(binFolders.map((file) => rm(file, { recursive: true, force: true })));
  // A package's own node_modules may have held nothing but its .bin; pnpm does not always make
  // one, so an empty one would tell two deploys of the same lockfile apart.
  for (const parent of new Set(binFolders.map((file) => path.dirname(file)))) {
    if (parent !== modules && (await readdir(parent)).length === 0)
      await rm(parent, { recursive: true });
  }

  const store = path.join(modules, ".pnpm");
  const renamed = new Map<string, string>();
  for (const name of (await exists(store)) ? await readdir(store) : []) {
    if (!injectedPath.test(name)) continue;
    const to = name.replace(injectedPath, injectedName);
    if (await exists(path.join(store, to))) {
      throw new Error(
        `${store} holds ${to} already, so ${name} cannot take that name: two injected copies of ` +
          "one workspace package. Give them one version, or keep this folder as pnpm made it.",
      );
    }
    await rename(path.join(store, name), path.join(store, to));
    renamed.set(name, to);
  }
  if (renamed.size === 0) return;
  for await (const { file, isLink } of walk(modules)) {
    if (!isLink) continue;
    const target = await readlink(file);
    let relinked = target;
    for (const [from, to] of renamed) relinked = relinked.split(from).join(to);
    if (relinked === target) continue;
    await rm(file);
    await symlink(relinked, file);
  }
}

if (import.meta.main) {
  const [folder] = process.argv.slice(2);
  if (!folder) {
    console.error("Usage: node production-folder.ts <folder made by pnpm deploy --prod>");
    process.exit(2);
  }
  await finishProductionFolder(path.resolve(folder));
}
