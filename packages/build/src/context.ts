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
  let bytes = 0;
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(path.join(contextDir, dir), { withFileTypes: true })) {
      const relative = dir ? `${dir}/${entry.name}` : entry.name;
      const ignored = ignores.ignores(relative);
      if (entry.isDirectory()) {
        if (!ignored || mayReinclude(relative)) await walk(relative);
      } else if (!ignored) {
        files.push(relative);
        bytes += (await lstat(path.join(contextDir, relative))).size;
      }
    }
  }
  await walk("");
  // The engine needs the Dockerfile and the ignore file even when the rules exclude them.
  for (const required of [dockerfile, ignoreFile]) {
    if (!files.includes(required) && existsSync(path.join(contextDir, required))) {
      files.push(required);
      bytes += (await lstat(path.join(contextDir, required))).size;
    }
  }
  return { files, bytes, ignoreFile };
}

/** The context as the tar stream the engine's build endpoint takes. */
export function packContext(contextDir: string, context: BuildContext): Readable {
  return tar.pack(contextDir, { entries: context.files });
}
