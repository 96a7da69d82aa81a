import { randomUUID } from "node:crypto";
import { mkdir, open, readdir, rm, truncate } from "node:fs/promises";
import path from "node:path";
import { catalogue, repoRoot } from "@repo/build";

/**
 * Files the suite plants in the working tree for one run: fake secrets in `.env` files, markers
 * and junk in `node_modules`. Their first line names them, so a run that was killed before its
 * teardown leaves nothing a later run does not remove — and a user's file is never touched.
 */
const plantedMarker =
  "# Planted by the image suite (test/src/canary.ts) for one run; safe to delete.";

/** Whether a path names an env file (`.env`, `.env.local`, ...), in a context or an image. */
export const isEnvFile = (file: string) => /(^|\/)\.env[^/]*$/.test(file);

/** A unique string planted on the host that no image may contain. */
export interface Canary {
  /** Where it was planted, relative to the repository root. */
  file: string;
  token: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    canaries: Canary[];
  }
}

/** The app folders of the catalogue, e.g. `apps/web`. */
export const appDirs = [...new Set(catalogue.map((spec) => spec.workspace.dir))];

/** Where planted files may be left: next to the `.env` files Docker and Vite read, and in caches. */
const plantingDirs = [
  ".",
  ...appDirs,
  ...appDirs.map((dir) => path.join(dir, "node_modules", ".cache")),
];

/**
 * Creates a planted file, never over an existing one; resolves to false if `file` exists.
 * `sizeBytes` pads it to that size as a sparse file: no disk used, yet anything that reads or
 * copies it carries every byte.
 */
export async function plantFile(
  file: string,
  content: string,
  sizeBytes?: number,
): Promise<boolean> {
  const absolute = path.join(repoRoot, file);
  await mkdir(path.dirname(absolute), { recursive: true });
  try {
    await using handle = await open(absolute, "wx");
    await handle.writeFile(`${plantedMarker}\n${content}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  if (sizeBytes !== undefined) await truncate(absolute, sizeBytes);
  return true;
}

async function isPlanted(absolute: string): Promise<boolean> {
  const marker = Buffer.from(plantedMarker);
  await using handle = await open(absolute, "r");
  const { buffer, bytesRead } = await handle.read(Buffer.alloc(marker.length), 0, marker.length, 0);
  return bytesRead === marker.length && buffer.equals(marker);
}

/**
 * Removes every planted file from the working tree — this run's at its end, an interrupted run's
 * at the start of the next — and resolves to their paths.
 */
export async function removePlantedFiles(): Promise<string[]> {
  const removed: string[] = [];
  for (const dir of plantingDirs) {
    const entries = await readdir(path.join(repoRoot, dir), { withFileTypes: true }).catch(
      () => [],
    );
    for (const entry of entries) {
      const file = path.join(dir, entry.name);
      if (entry.isFile() && (await isPlanted(path.join(repoRoot, file)))) {
        await rm(path.join(repoRoot, file));
        removed.push(file);
      }
    }
  }
  return removed;
}

/**
 * Names Vite loads for a production build, so the web app's canary is read by the host build the
 * way a real secret would be (and, as an input of the web build's turbo task, reruns it); the last
 * one only if a user has all the others. `.dockerignore` excludes every one of them.
 */
const envFileNames = [".env", ".env.local", ".env.production.local", ".env.image-suite"];

/**
 * Writes a fake secret into an env file at the repository root and in each app folder, in a file
 * that did not exist: a user's own `.env` is left as it is and the next free name is used.
 */
export async function plantEnvCanaries(report: (line: string) => void): Promise<Canary[]> {
  const canaries: Canary[] = [];
  for (const dir of [".", ...appDirs]) {
    const token = `canary-${randomUUID()}`;
    // Not VITE_-prefixed: Vite builds only those into the bundle, and this proves nothing else gets in.
    const content = `IMAGE_SUITE_CANARY_SECRET=${token}\n`;
    const taken: string[] = [];
    let file: string | undefined;
    for (const name of envFileNames) {
      if (await plantFile(path.join(dir, name), content)) {
        file = path.join(dir, name);
        break;
      }
      taken.push(name);
    }
    if (!file) {
      throw new Error(
        `${path.join(repoRoot, dir)} already has ${envFileNames.join(", ")}: the image suite ` +
          "plants a fake secret in one of them and never overwrites a file. Move one aside and rerun.",
      );
    }
    report(
      `fake secret planted in ${file}` +
        (taken.length > 0 ? ` (${taken.join(", ")} already there, left untouched)` : ""),
    );
    canaries.push({ file, token });
  }
  return canaries;
}
