import { randomUUID } from "node:crypto";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { type ImageSpec, repoRoot } from "@repo/build";
import { expect, inject, it } from "vitest";
import { appDirs, type Canary, isEnvFile, plantFile } from "./canary.ts";
import type { RunningImage } from "./image-under-test.ts";

const MB = 1_000_000;
const kilobytes = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

/** What a multi-stage build may send: sources, manifests and the lockfile. */
const multiStageContextLimit = 5 * MB;
/** What a host-built build may send besides its staged folder: its Dockerfile and config. */
const hostBuiltExtraLimit = 1 * MB;
/** The size of a cache a real host accumulates (Vite's, a linter's) that no build should send. */
const junkBytes = 100 * MB;

/**
 * Makes the working tree look like a developer's: besides the `node_modules` and `dist` that the
 * install and the host builds leave, a 100 MB file in each app's `node_modules/.cache`, and a
 * canary next to it whose token no image may contain.
 */
export async function dirtyHost(report: (line: string) => void): Promise<Canary[]> {
  const canaries: Canary[] = [];
  const plant = async (file: string, content: string, sizeBytes?: number) => {
    if (!(await plantFile(file, content, sizeBytes))) {
      throw new Error(
        `${path.join(repoRoot, file)} exists and is not the image suite's: it plants files under ` +
          "that name and never overwrites one. Move the file aside and rerun.",
      );
    }
  };
  for (const dir of appDirs) {
    const cache = path.join(dir, "node_modules", ".cache");
    await plant(path.join(cache, "image-suite-junk"), "", junkBytes);
    const file = path.join(cache, "image-suite-canary");
    const token = `node-modules-canary-${randomUUID()}`;
    await plant(file, `${token}\n`);
    canaries.push({ file, token });
    report(`${cache}: ${junkBytes / MB} MB of junk and a canary`);
  }
  return canaries;
}

/**
 * Proves what the build sent to the engine from the dirty host (see dirtyHost): only what the
 * image needs, never a `node_modules` of the host — except inside a host-built image's staged
 * folder, which holds the production dependencies on purpose.
 */
export function buildContextTests(spec: ImageSpec, image: () => RunningImage): void {
  const staged = spec.hostArtifact?.dir;
  const isStaged = (file: string) => staged !== undefined && file.startsWith(`${staged}/`);

  it("sends no env file, so none of the planted secrets", () => {
    const planted = inject("canaries").filter((canary) => isEnvFile(canary.file));
    expect(planted.length, "env files planted by the global setup").toBeGreaterThan(0);
    const { files } = image().built.context;
    expect(files.filter(isEnvFile)).toEqual([]);
    expect(planted.filter((canary) => files.includes(canary.file))).toEqual([]);
  });

  it("sends no node_modules of the host outside its staged folder", () => {
    const { files } = image().built.context;
    const fromHost = files.filter(
      (file) => file.split("/").includes("node_modules") && !isStaged(file),
    );
    expect(fromHost).toEqual([]);
  });

  if (staged) {
    it(`sends all of ${staged} and under ${hostBuiltExtraLimit / MB} MB besides`, async () => {
      const { built } = image();
      const { files, sizes, bytes } = built.context;
      const onDisk = (
        await readdir(path.join(repoRoot, staged), { recursive: true, withFileTypes: true })
      )
        .filter((entry) => !entry.isDirectory())
        .map((entry) => path.relative(repoRoot, path.join(entry.parentPath, entry.name)));
      const sent = files.filter(isStaged);
      const stagedBytes = sent.reduce((sum, file) => sum + (sizes.get(file) ?? 0), 0);
      console.log(
        `[${built.tag}] build context ${kilobytes(built.context.sentBytes)} sent, files ` +
          `${kilobytes(bytes)}: ${staged} ${kilobytes(stagedBytes)} ` +
          `+ ${kilobytes(bytes - stagedBytes)} besides`,
      );
      expect.soft(sent.sort(), `files sent from ${staged}`).toEqual(onDisk.sort());
      expect
        .soft(bytes - stagedBytes, `bytes sent besides ${staged}`)
        .toBeLessThan(hostBuiltExtraLimit);
    });
  } else {
    it(`sends under ${multiStageContextLimit / MB} MB of build context`, () => {
      const { built } = image();
      console.log(
        `[${built.tag}] build context ${kilobytes(built.context.sentBytes)} sent, ` +
          `${built.context.files.length} files`,
      );
      expect(built.context.sentBytes).toBeLessThan(multiStageContextLimit);
    });
  }
}
