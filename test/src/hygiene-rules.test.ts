import { catalogue } from "@repo/build";
import { describe, expect, it } from "vitest";
import { findLeftovers } from "./hygiene-rules.ts";

// The rules on made-up images, so that a rule that matches nothing cannot pass the image suite
// unnoticed: each kind of leftover is planted once, next to look-alikes that are allowed.
const api = catalogue.find((spec) => spec.app === "api" && spec.approach === "multiStage");
if (!api) throw new Error("The catalogue has no multi-stage api image.");

const base = [
  "/usr/local/bin/node",
  "/usr/local/bin/npm",
  "/usr/local/bin/npx",
  "/usr/local/lib/node_modules/npm",
  "/usr/local/lib/node_modules/npm/package.json",
];
const cleanApp = [
  "/app/package.json",
  "/app/dist/server.js",
  "/app/node_modules/express",
  "/app/node_modules/.pnpm/express@5.3.0/node_modules/express/index.js",
  // Third-party packages ship what they publish, TypeScript sources and declarations included.
  "/app/node_modules/.pnpm/zod@4.1.0/node_modules/zod/src/index.ts",
  "/app/node_modules/.pnpm/zod@4.1.0/node_modules/zod/index.d.ts",
  "/app/node_modules/@repo/shared/dist/index.js",
  "/app/node_modules/@repo/shared/dist/index.d.ts",
];
const imageOf = (...added: string[]) => ({
  files: new Set([...base, ...cleanApp, ...added]),
  baseFiles: new Set(base),
});

describe("findLeftovers", () => {
  it("finds nothing in a clean image, npm of the base included", () => {
    expect(findLeftovers(api, imageOf())).toEqual({
      packageManagers: [],
      devPackages: [],
      buildFiles: [],
    });
  });

  it("finds package managers the runtime does not need, and an npm the base did not ship", () => {
    const planted = [
      "/usr/local/bin/pnpm",
      "/usr/local/bin/corepack",
      "/usr/local/lib/node_modules/corepack",
      "/app/node_modules/.bin/yarn",
      "/app/node_modules/npm",
    ];
    expect(findLeftovers(api, imageOf(...planted)).packageManagers).toEqual(planted);
  });

  it("finds the app's devDependencies, the repository's, and the build toolchain", () => {
    const packages = [
      "/app/node_modules/typescript",
      "/app/node_modules/.pnpm/vitest@4.0.0/node_modules/vitest",
      "/app/node_modules/@types/supertest",
      "/app/node_modules/.pnpm/turbo-linux-64@2.11.13/node_modules/turbo-linux-64",
      "/app/node_modules/@esbuild/linux-x64",
      "/app/node_modules/.pnpm/vite@8.0.0/node_modules/vite",
      "/app/node_modules/@biomejs/biome",
    ];
    // Files inside a package are reported once, by its folder.
    const leftovers = findLeftovers(
      api,
      imageOf(...packages, "/app/node_modules/typescript/lib/tsc.js"),
    );
    expect(leftovers.devPackages).toEqual(packages);
  });

  it("finds sources, tests and tsconfig of ours, and git metadata and env files anywhere", () => {
    const leftovers = findLeftovers(
      api,
      imageOf(
        "/app/src/app.ts",
        "/app/tsconfig.build.json",
        "/app/dist/app.test.js",
        "/app/node_modules/@repo/shared/src/schemas.ts",
        "/app/.env",
        "/app/.env.production.local",
        "/app/.git/HEAD",
        "/app/node_modules/.pnpm/pino@10.4.0/node_modules/pino/.env.example",
        "/app/node_modules/.pnpm/pino@10.4.0/node_modules/pino/.git",
      ),
    );
    expect(leftovers.buildFiles).toEqual([
      "/app/src/app.ts (TypeScript source)",
      "/app/tsconfig.build.json (tsconfig)",
      "/app/dist/app.test.js (test)",
      "/app/node_modules/@repo/shared/src/schemas.ts (TypeScript source)",
      "/app/.env (env file)",
      "/app/.env.production.local (env file)",
      "/app/.git/HEAD (git metadata)",
      "/app/node_modules/.pnpm/pino@10.4.0/node_modules/pino/.env.example (env file)",
      "/app/node_modules/.pnpm/pino@10.4.0/node_modules/pino/.git (git metadata)",
    ]);
  });
});
