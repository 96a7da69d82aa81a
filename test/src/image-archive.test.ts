import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import type Docker from "dockerode";
import tar from "tar-stream";
import { describe, expect, it } from "vitest";
import { readImageArchive } from "./image-archive.ts";

type TarEntry = Partial<tar.Header> & { name: string; content?: string | Buffer };

async function tarOf(entries: readonly TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const { content, ...header } of entries) pack.entry(header, content ?? "");
  pack.finalize();
  return buffer(pack);
}

/**
 * An engine whose `docker save` streams `archive` in chunks of `chunkBytes`: small chunks make
 * every searched string straddle a chunk boundary.
 */
function engineSaving(archive: Buffer, chunkBytes: number): Docker {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < archive.length; offset += chunkBytes) {
    chunks.push(archive.subarray(offset, offset + chunkBytes));
  }
  return { getImage: () => ({ get: async () => Readable.from(chunks) }) } as unknown as Docker;
}

const secret = "canary-0b7e7a5e-6f0c-4d57-9a52-5c3f0e2d8f11";

/**
 * A `docker save` of an image made of `layers`: `base`, `app` (whiteouts, and a secret in a file)
 * and `again` (the base layer once more, which docker save writes as a link to the first).
 */
async function savedImage(layers: readonly ("base" | "app" | "again")[]): Promise<Buffer> {
  const base = await tarOf([
    { name: "usr/", type: "directory" },
    { name: "usr/local/bin/corepack", type: "symlink", linkname: "../lib/corepack.js" },
    { name: "usr/local/bin/npm", type: "file", content: "npm" },
    { name: "etc/cache/", type: "directory" },
    { name: "etc/cache/old", type: "file", content: "old" },
  ]);
  const app = await tarOf([
    { name: "usr/local/bin/.wh.corepack", type: "file" },
    { name: "etc/cache/.wh..wh..opq", type: "file" },
    { name: "etc/cache/new", type: "file", content: "new" },
    { name: "app/", type: "directory" },
    { name: "app/config.js", type: "file", content: `export const key = "${secret}";` },
  ]);
  const manifest = [{ Config: "config.json", Layers: layers.map((layer) => `${layer}/layer.tar`) }];
  return tarOf([
    { name: "base/layer.tar", type: "file", content: base },
    { name: "app/layer.tar", type: "file", content: app },
    { name: "again/layer.tar", type: "symlink", linkname: "../base/layer.tar" },
    { name: "config.json", type: "file", content: JSON.stringify({ env: [`KEY=${secret}`] }) },
    { name: "manifest.json", type: "file", content: JSON.stringify(manifest) },
  ]);
}

describe("readImageArchive", () => {
  it("merges the layers as a container sees them, whiteouts applied", async () => {
    const archive = await readImageArchive(
      engineSaving(await savedImage(["base", "app", "again"]), 64 * 1024),
      "image",
      {
        baseLayers: 1,
        needles: [],
      },
    );
    expect([...archive.files].sort()).toEqual([
      "/app",
      "/app/config.js",
      "/etc/cache",
      "/etc/cache/new",
      // The repeated base layer brings back what the app layer deleted.
      "/etc/cache/old",
      "/usr",
      "/usr/local/bin/corepack",
      "/usr/local/bin/npm",
    ]);
    expect([...archive.baseFiles].sort()).toEqual([
      "/etc/cache",
      "/etc/cache/old",
      "/usr",
      "/usr/local/bin/corepack",
      "/usr/local/bin/npm",
    ]);
  });

  it("applies a whiteout to the layers below it only", async () => {
    const archive = await readImageArchive(
      engineSaving(await savedImage(["base", "app"]), 64 * 1024),
      "image",
      {
        baseLayers: 1,
        needles: [],
      },
    );
    expect(archive.files.has("/usr/local/bin/corepack")).toBe(false);
    expect(archive.files.has("/etc/cache/old")).toBe(false);
    expect(archive.files.has("/etc/cache")).toBe(true);
    expect(archive.files.has("/etc/cache/new")).toBe(true);
  });

  it("finds a string split across chunks, and names the layer and the config it is in", async () => {
    const archive = await readImageArchive(
      engineSaving(await savedImage(["base", "app", "again"]), 7),
      "image",
      {
        baseLayers: 1,
        needles: [secret, "absent-needle"],
      },
    );
    expect(archive.sightings).toEqual([
      { needle: secret, where: "layer 2 of 3 (app/layer.tar)" },
      { needle: secret, where: "the image config (config.json)" },
    ]);
  });
});
