import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { collectContext, ignoreFileFor } from "./context.ts";

let dir: string;

async function put(file: string, content = "x") {
  await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
  await writeFile(path.join(dir, file), content);
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "context-"));
  await put(".dockerignore", "**/node_modules\n**/dist\n**/.env\n.stage\n");
  await put("Dockerfile.multi", "FROM scratch\n");
  await put("Dockerfile.host", "FROM scratch\n");
  await put("Dockerfile.host.dockerignore", "*\n!.stage/app\n");
  await put("pnpm-lock.yaml");
  await put("apps/app/src/index.ts");
  await put("apps/app/node_modules/dep/index.js");
  await put("apps/app/dist/index.js");
  await put("apps/app/.env", "SECRET=1");
  await put(".stage/app/index.js", "12345");
  await put(".stage/app/node_modules/dep/index.js", "1234567890");
  await put(".stage/other/index.js");
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("collectContext", () => {
  it("applies .dockerignore when the Dockerfile has no ignore file of its own", async () => {
    expect(ignoreFileFor(dir, "Dockerfile.multi")).toBe(".dockerignore");
    const context = await collectContext(dir, "Dockerfile.multi");
    expect(context.files.sort()).toEqual(
      [
        ".dockerignore",
        "Dockerfile.host",
        "Dockerfile.host.dockerignore",
        "Dockerfile.multi",
        "apps/app/src/index.ts",
        "pnpm-lock.yaml",
      ].sort(),
    );
  });

  it("prefers <dockerfile>.dockerignore and re-includes what its exceptions name", async () => {
    expect(ignoreFileFor(dir, "Dockerfile.host")).toBe("Dockerfile.host.dockerignore");
    const context = await collectContext(dir, "Dockerfile.host");
    expect(context.files.sort()).toEqual(
      [
        ".stage/app/index.js",
        ".stage/app/node_modules/dep/index.js",
        "Dockerfile.host",
        "Dockerfile.host.dockerignore",
      ].sort(),
    );
    expect(context.bytes).toBe(5 + 10 + "FROM scratch\n".length + "*\n!.stage/app\n".length);
  });
});
