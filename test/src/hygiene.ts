import { type ImageSpec, pathExists, repoRoot, runtimeBaseLayers } from "@repo/build";
import type Docker from "dockerode";
import { beforeAll, expect, inject, it } from "vitest";
import { findLeftovers, type Leftovers } from "./hygiene-rules.ts";
import { type ImageArchive, readImageArchive } from "./image-archive.ts";
import type { RunningImage } from "./image-under-test.ts";

/**
 * Proves the image carries nothing of its build: no package manager or build tool, no
 * devDependency, no sources, tests or tsconfig, no git metadata, no env files — and none of the
 * canaries the global setup planted in the host's `.env` files and `node_modules` (see canary.ts),
 * searched byte for byte in every layer and in the config, nor the path of the host's checkout
 * (host-built output must not depend on where the repository was cloned). One export serves all.
 */
/**
 * The checkout's path as files spell it, and as pnpm spells it in store folder names
 * (`@repo+shared@file++++home+me+starter+packages+shared`).
 */
const checkoutNeedles = [`${repoRoot}/`, repoRoot.replaceAll("/", "+")];

export function hygieneTests(docker: Docker, spec: ImageSpec, image: () => RunningImage): void {
  const canaries = inject("canaries");
  if (canaries.length === 0) {
    throw new Error("The global setup planted no canaries: the secret search would prove nothing.");
  }
  let archive: ImageArchive;
  let leftovers: Leftovers;
  beforeAll(async () => {
    const { built } = image();
    const baseLayers = await runtimeBaseLayers(docker, built.tag, spec.runtimeBase);
    const reading = performance.now();
    archive = await readImageArchive(docker, built.tag, {
      baseLayers: baseLayers.length,
      needles: [...canaries.map((canary) => canary.token), ...checkoutNeedles],
    });
    leftovers = findLeftovers(spec, archive);
    const seconds = ((performance.now() - reading) / 1000).toFixed(1);
    console.log(
      `[${built.tag}] exported and scanned in ${seconds} s: ${archive.files.size} paths, ` +
        `${[...archive.files].filter((file) => !archive.baseFiles.has(file)).length} of them ` +
        `not in its base ${spec.runtimeBase.ref}`,
    );
  });

  // Both the image's own listing and the engine, which follows symlinked folders on the way.
  it.each(spec.forbiddenPaths)("leaves %s out", async (forbidden) => {
    expect(archive.files.has(forbidden), "in the exported image").toBe(false);
    expect(await pathExists(image().container, forbidden), "in a running container").toBe(false);
  });

  it("ships no package manager (npm only where its base ships it)", () => {
    expect(leftovers.packageManagers).toEqual([]);
  });

  it("ships no build tool and no devDependency", () => {
    expect(leftovers.devPackages).toEqual([]);
  });

  it("ships no sources, tests, tsconfig, git metadata or env files", () => {
    expect(leftovers.buildFiles).toEqual([]);
  });

  it("carries none of the host's canaries in any layer or its config", () => {
    const leaks = archive.sightings
      .filter(({ needle }) => !checkoutNeedles.includes(needle))
      .map(({ needle, where }) => {
        const canary = canaries.find((candidate) => candidate.token === needle);
        return `${canary?.file ?? "a canary"} found in ${where}`;
      });
    expect(leaks).toEqual([]);
  });

  it(`carries no path of the host's checkout (${repoRoot})`, () => {
    expect(
      repoRoot.split("/").filter(Boolean).length,
      `${repoRoot} is too generic a path to search images for (paths like /app are common inside ` +
        "them): clone the repository one folder deeper, e.g. /app/starter",
    ).toBeGreaterThanOrEqual(2);
    const found = archive.sightings.filter(({ needle }) => checkoutNeedles.includes(needle));
    expect(found.map(({ needle, where }) => `${needle} in ${where}`)).toEqual([]);
  });
}
