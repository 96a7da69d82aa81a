import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deployBookkeeping, finishProductionFolder } from "./production-folder.ts";

// A deploy folder laid out the way `pnpm deploy --prod` lays one out, made at a path that stands
// for the checkout: everything that names it must be gone afterwards.
let folder: string;
const checkout = "/home/someone/src/starter";
const injected = "@repo+shared@file++++home+someone+src+starter+packages+shared";

async function write(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(path.join(folder, file)), { recursive: true });
  await writeFile(path.join(folder, file), content);
}

async function link(file: string, target: string): Promise<void> {
  await mkdir(path.dirname(path.join(folder, file)), { recursive: true });
  await symlink(target, path.join(folder, file));
}

/** Every path under the folder, links as `path -> target`. */
async function tree(): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return Promise.all(
    entries.map(async (entry) => {
      const file = path.relative(folder, path.join(entry.parentPath, entry.name));
      return entry.isSymbolicLink()
        ? `${file} -> ${await readlink(path.join(folder, file))}`
        : file;
    }),
  ).then((paths) => paths.sort());
}

beforeEach(async () => {
  folder = await mkdtemp(path.join(tmpdir(), "production-folder-"));
  await write(
    "package.json",
    JSON.stringify({
      name: "@repo/api",
      version: "0.1.0",
      private: true,
      type: "module",
      main: "./dist/server.js",
      files: ["dist"],
      scripts: { build: "tsc" },
      dependencies: { "@repo/shared": `@repo/shared@file://${checkout}/packages/shared` },
      devDependencies: { vitest: "5.1.2" },
      pnpm: {},
    }),
  );
  for (const file of deployBookkeeping) await write(file, `written at ${checkout}`);
  await write("dist/server.js", "export {};\n");
  await write(`node_modules/.bin/pino`, `NODE_PATH="${checkout}/.stage/api/node_modules"`);
  await write(
    "node_modules/.pnpm/pino@10.4.0/node_modules/pino/node_modules/.bin/pino",
    `NODE_PATH="${checkout}"`,
  );
  await write("node_modules/.pnpm/pino@10.4.0/node_modules/pino/pino.js", "");
  await link("node_modules/pino", ".pnpm/pino@10.4.0/node_modules/pino");
  await write(`node_modules/.pnpm/${injected}/node_modules/@repo/shared/dist/index.js`, "");
  await link(`node_modules/.pnpm/${injected}/node_modules/zod`, "../../zod@4.6.7/node_modules/zod");
  await link("node_modules/@repo/shared", `../.pnpm/${injected}/node_modules/@repo/shared`);
  await link(
    "node_modules/.pnpm/node_modules/@repo/shared",
    `../../${injected}/node_modules/@repo/shared`,
  );
});

afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe("finishProductionFolder", () => {
  it("keeps what Node reads and nothing that names the checkout", async () => {
    await finishProductionFolder(folder);
    const manifest = await readFile(path.join(folder, "package.json"), "utf8");
    expect(JSON.parse(manifest)).toEqual({
      name: "@repo/api",
      version: "0.1.0",
      private: true,
      type: "module",
      main: "./dist/server.js",
    });
    expect(await tree()).toEqual([
      "dist",
      "dist/server.js",
      "node_modules",
      "node_modules/.pnpm",
      "node_modules/.pnpm/@repo+shared@workspace",
      "node_modules/.pnpm/@repo+shared@workspace/node_modules",
      "node_modules/.pnpm/@repo+shared@workspace/node_modules/@repo",
      "node_modules/.pnpm/@repo+shared@workspace/node_modules/@repo/shared",
      "node_modules/.pnpm/@repo+shared@workspace/node_modules/@repo/shared/dist",
      "node_modules/.pnpm/@repo+shared@workspace/node_modules/@repo/shared/dist/index.js",
      "node_modules/.pnpm/@repo+shared@workspace/node_modules/zod -> ../../zod@4.6.7/node_modules/zod",
      "node_modules/.pnpm/node_modules",
      "node_modules/.pnpm/node_modules/@repo",
      "node_modules/.pnpm/node_modules/@repo/shared -> ../../@repo+shared@workspace/node_modules/@repo/shared",
      "node_modules/.pnpm/pino@10.4.0",
      "node_modules/.pnpm/pino@10.4.0/node_modules",
      "node_modules/.pnpm/pino@10.4.0/node_modules/pino",
      "node_modules/.pnpm/pino@10.4.0/node_modules/pino/pino.js",
      "node_modules/@repo",
      "node_modules/@repo/shared -> ../.pnpm/@repo+shared@workspace/node_modules/@repo/shared",
      "node_modules/pino -> .pnpm/pino@10.4.0/node_modules/pino",
      "package.json",
    ]);
  });

  it("leaves an injected package reachable through its links", async () => {
    await finishProductionFolder(folder);
    const shared = path.join(folder, "node_modules/@repo/shared/dist/index.js");
    expect(await readFile(shared, "utf8")).toBe("");
  });

  it("refuses to merge two injected copies of one package", async () => {
    await write("node_modules/.pnpm/@repo+shared@workspace/node_modules/@repo/shared/x.js", "");
    await expect(finishProductionFolder(folder)).rejects.toThrow(/two injected copies/);
  });
});
