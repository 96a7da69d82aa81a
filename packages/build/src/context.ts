import { existsSync, readFileSync } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import dockerignoreModule from "@balena/dockerignore";
import tar from "tar-fs";

/** The files sent to the engine for one build, with their total size. */
// A CommonJS module whose typings declare an ES default export; `.default` exists at runtime too.
const dockerignore = dockerignoreModule.default;

export interface BuildContext {
  files: string[];
  bytes: number;
  /** Size in bytes of each file, by path relative to the context root. */
  sizes: Map<string, number>;
  ignoreFile: string;
}

/**
 * The ignore file Docker's CLI would use: `<dockerfile>.dockerignore` next to the Dockerfile if it
 * exists, else `.dockerignore` at the context root.
 */
export function ignoreFileFor(contextDir: string, dockerfile: string): string {
  const specific = `${dockerfile}.dockerignore`;
  return existsSync(path.join(contextDir, specific)) ? specific : ".dockerignore";
}

/**
 * Lists the context of a build with the same rules as `docker build -f <dockerfile> <contextDir>`.
 * Ignored folders are not walked unless a `!` exception may re-include something inside them,
 * so a host's node_modules costs nothing.
 */
export async function collectContext(
  contextDir: string,
  dockerfile: string,
): Promise<BuildContext> {
  const ignoreFile = ignoreFileFor(contextDir, dockerfile);
  const rules = existsSync(path.join(contextDir, ignoreFile))
    ? readFileSync(path.join(contextDir, ignoreFile), "utf8")
    : "";
  const ignores = dockerignore({ ignorecase: false }).add(rules);
  const exceptions = rules
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("!"))
    .map((line) => line.slice(1).replace(/^\/+/, ""));
  const mayReinclude = (dir: string) =>
    exceptions.some((exception) => exception.startsWith(`${dir}/`) || exception === dir);

  const files: string[] = [];
  const sizes = new Map<string, number>();
  const add = async (file: string) => {
    files.push(file);
    sizes.set(file, (await lstat(path.join(contextDir, file))).size);
  };
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(path.join(contextDir, dir), { withFileTypes: true })) {
      const relative = dir ? `${dir}/${entry.name}` : entry.name;
      const ignored = ignores.ignores(relative);
      if (entry.isDirectory()) {
        if (!ignored || mayReinclude(relative)) await walk(relative);
      } else if (!ignored) {
        await add(relative);
      }
    }
  }
  await walk("");
  // The engine needs the Dockerfile and the ignore file even when the rules exclude them.
  for (const required of [dockerfile, ignoreFile]) {
    if (!files.includes(required) && existsSync(path.join(contextDir, required)))
      await add(required);
  }
  const bytes = [...sizes.values()].reduce((sum, size) => sum + size, 0);
  return { files, bytes, sizes, ignoreFile };
}

/**
 * Files added to or replaced in a build context, by path relative to the context root. They exist
 * only in the tar stream sent to the engine: a build can see an edited source without the working
 * tree being touched.
 */
export type ContextEdits = Readonly<Record<string, string>>;

/** The context as it will be sent once the edits are applied: edited files replace their originals. */
export function applyContextEdits(context: BuildContext, edits: ContextEdits): BuildContext {
  const edited = Object.keys(edits);
  if (edited.length === 0) return context;
  const kept = context.files.filter((file) => !Object.hasOwn(edits, file));
  const keptBytes = kept.reduce((sum, file) => sum + (context.sizes.get(file) ?? 0), 0);
  const editedBytes = edited.reduce((sum, file) => sum + Buffer.byteLength(edits[file] ?? ""), 0);
  const sizes = new Map(context.sizes);
  for (const file of edited) sizes.set(file, Buffer.byteLength(edits[file] ?? ""));
  return { ...context, files: [...kept, ...edited], bytes: keptBytes + editedBytes, sizes };
}

/** The context as the tar stream the engine's build endpoint takes, edits included. */
export function packContext(
  contextDir: string,
  context: BuildContext,
  edits: ContextEdits = {},
): Readable {
  return tar.pack(contextDir, {
    entries: context.files.filter((file) => !Object.hasOwn(edits, file)),
    finalize: false,
    finish: (pack) => {
      for (const [name, content] of Object.entries(edits))
        pack.entry({ name, mode: 0o644 }, content);
      pack.finalize();
    },
  });
}
