import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import zlib from "node:zlib";
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

/** `base`, and `app` on top of it: whiteouts, and a secret in a file. */
async function layerTars(): Promise<{ base: Buffer; app: Buffer }> {
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
  return { base, app };
}

/**
 * A legacy `docker save` (Docker ≤ 24) of an image made of `layers`: `base`, `app` and `again`
 * (the base layer once more, which docker save writes as a link to the first).
 */
async function savedImage(
  layers: readonly ("base" | "app" | "again")[],
  link: "symlink" | "link" = "symlink",
): Promise<Buffer> {
  const { base, app } = await layerTars();
  const manifest = [{ Config: "config.json", Layers: layers.map((layer) => `${layer}/layer.tar`) }];
  return tarOf([
    { name: "base/layer.tar", type: "file", content: base },
    { name: "app/layer.tar", type: "file", content: app },
    link === "symlink"
      ? { name: "again/layer.tar", type: "symlink", linkname: "../base/layer.tar" }
      : { name: "again/layer.tar", type: "link", linkname: "base/layer.tar" },
    { name: "config.json", type: "file", content: JSON.stringify({ env: [`KEY=${secret}`] }) },
    { name: "manifest.json", type: "file", content: JSON.stringify(manifest) },
  ]);
}

type Compression = "none" | "gzip" | "zstd";
const compressors: Record<Compression, (bytes: Buffer) => Buffer> = {
  none: (bytes) => bytes,
  gzip: (bytes) => zlib.gzipSync(bytes),
  zstd: (bytes) => zlib.zstdCompressSync(bytes),
};

const blobPath = (blob: Buffer) =>
  `blobs/sha256/${createHash("sha256").update(blob).digest("hex")}`;

/** A tar holding nothing: the two zero blocks that end an archive, as docker writes it. */
const emptyLayer = Buffer.alloc(1024);

interface OciExport {
  archive: Buffer;
  /** The entry of each named layer blob, and of the config. */
  paths: Record<"base" | "app" | "empty" | "config", string>;
  /** The blobs as the export holds them. */
  blobs: Record<"base" | "app" | "empty", Buffer>;
}

/**
 * A `docker save` in the OCI layout of Docker 25+: layers, config and manifests are all blobs
 * named by digest, compressed as the containerd store keeps them, with a manifest.json naming
 * the blob paths. A layer that appears twice is one blob the manifests list twice. `omit` leaves
 * a layer's blob out of the export; `appLayer` replaces the app layer's tar.
 */
async function ociImage(
  layers: readonly ("base" | "app" | "empty")[],
  {
    compression = "none",
    manifestFirst = false,
    omit,
    appLayer,
  }: {
    compression?: Compression;
    manifestFirst?: boolean;
    omit?: "base" | "app" | "empty";
    appLayer?: Buffer;
  } = {},
): Promise<OciExport> {
  const tars = await layerTars();
  const compress = compressors[compression];
  const blobs = {
    base: compress(tars.base),
    app: appLayer ?? compress(tars.app),
    empty: compress(emptyLayer),
  };
  const config = Buffer.from(
    JSON.stringify({ config: { Env: [`KEY=${secret}`] }, rootfs: { type: "layers" } }),
  );
  const layerMediaType = `application/vnd.oci.image.layer.v1.tar${compression === "none" ? "" : `+${compression}`}`;
  const descriptor = (mediaType: string, blob: Buffer) => ({
    mediaType,
    digest: `sha256:${createHash("sha256").update(blob).digest("hex")}`,
    size: blob.length,
  });
  const imageManifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: descriptor("application/vnd.oci.image.config.v1+json", config),
      layers: layers.map((layer) => descriptor(layerMediaType, blobs[layer])),
    }),
  );
  const index = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [descriptor("application/vnd.oci.image.manifest.v1+json", imageManifest)],
  };
  const paths = {
    base: blobPath(blobs.base),
    app: blobPath(blobs.app),
    empty: blobPath(blobs.empty),
    config: blobPath(config),
  };
  const manifest: TarEntry = {
    name: "manifest.json",
    content: JSON.stringify([
      { Config: paths.config, RepoTags: ["image:latest"], Layers: layers.map((l) => paths[l]) },
    ]),
  };
  // A blob no manifest lists, of no format the reader knows (an attestation, say): not an error.
  const stray = Buffer.from([0x00, 0x01, 0x02, 0x03, 0xfe, 0xff]);
  const layerEntries = (["base", "app", "empty"] as const)
    .filter((layer) => layer !== omit)
    .map((layer) => ({ name: paths[layer], content: blobs[layer] }));
  const archive = await tarOf([
    ...(manifestFirst ? [manifest] : []),
    { name: "blobs/", type: "directory" },
    { name: "blobs/sha256/", type: "directory" },
    ...layerEntries,
    { name: paths.config, content: config },
    { name: blobPath(imageManifest), content: imageManifest },
    { name: blobPath(stray), content: stray },
    { name: "index.json", content: JSON.stringify(index) },
    ...(manifestFirst ? [] : [manifest]),
    { name: "oci-layout", content: JSON.stringify({ imageLayoutVersion: "1.0.0" }) },
  ]);
  return { archive, paths, blobs };
}

/** The merged filesystem of `base`, (`empty`,) `app` and `base` again. */
const mergedFiles = [
  "/app",
  "/app/config.js",
  "/etc/cache",
  "/etc/cache/new",
  // The repeated base layer brings back what the app layer deleted.
  "/etc/cache/old",
  "/usr",
  "/usr/local/bin/corepack",
  "/usr/local/bin/npm",
];
const baseLayerFiles = [
  "/etc/cache",
  "/etc/cache/old",
  "/usr",
  "/usr/local/bin/corepack",
  "/usr/local/bin/npm",
];

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
    // The empty layer of the newer layout adds nothing: the same files either way.
    expect([...archive.files].sort()).toEqual(mergedFiles);
    expect([...archive.baseFiles].sort()).toEqual(baseLayerFiles);
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

  it("follows a layer written as a hard link to the first copy", async () => {
    const archive = await readImageArchive(
      engineSaving(await savedImage(["base", "app", "again"], "link"), 64 * 1024),
      "image",
      { baseLayers: 1, needles: [] },
    );
    expect([...archive.files].sort()).toEqual(mergedFiles);
  });

  describe.each(["none", "gzip", "zstd"] as const)(
    "in the OCI layout of Docker 25+, layer blobs compressed with: %s",
    (compression) => {
      it.each([
        { manifestFirst: false, chunkBytes: 7 },
        { manifestFirst: false, chunkBytes: 64 * 1024 },
        { manifestFirst: true, chunkBytes: 7 },
      ])(
        "merges the layers and finds the secret in the layer and config (manifest.json first: $manifestFirst, chunks of $chunkBytes bytes)",
        async ({ manifestFirst, chunkBytes }) => {
          const image = await ociImage(["base", "empty", "app", "base"], {
            compression,
            manifestFirst,
          });
          if (compression !== "none") expect(image.blobs.app.includes(secret)).toBe(false);
          const archive = await readImageArchive(engineSaving(image.archive, chunkBytes), "image", {
            baseLayers: 2,
            needles: [secret, "absent-needle"],
          });
          expect([...archive.files].sort()).toEqual(mergedFiles);
          expect([...archive.baseFiles].sort()).toEqual(baseLayerFiles);
          expect(archive.sightings).toEqual([
            { needle: secret, where: `layer 3 of 4 (${image.paths.app})` },
            { needle: secret, where: `the image config (${image.paths.config})` },
          ]);
        },
      );

      it("counts an empty layer (zero blocks only) as a layer", async () => {
        const image = await ociImage(["empty", "base"], { compression });
        const archive = await readImageArchive(engineSaving(image.archive, 64 * 1024), "image", {
          baseLayers: 1,
          needles: [],
        });
        expect([...archive.baseFiles]).toEqual([]);
        expect([...archive.files].sort()).toEqual(baseLayerFiles);
      });

      it.each([7, 64 * 1024])(
        "finds a secret that straddles chunks of the layer's bytes (chunks of %i bytes)",
        async (chunkBytes) => {
          // The secret spans the 16 KiB boundary where the decompressor cuts its output.
          const padding = "x".repeat(16 * 1024 - 512 - secret.length / 2);
          const appLayer = compressors[compression](
            await tarOf([{ name: "app/big.js", content: `${padding}${secret}` }]),
          );
          const image = await ociImage(["base", "app"], { compression, appLayer });
          const archive = await readImageArchive(engineSaving(image.archive, chunkBytes), "image", {
            baseLayers: 1,
            needles: [secret],
          });
          expect(archive.sightings).toEqual([
            { needle: secret, where: `layer 2 of 2 (${image.paths.app})` },
            { needle: secret, where: `the image config (${image.paths.config})` },
          ]);
        },
      );
    },
  );

  it("says which layer manifest.json lists that the export lacks", async () => {
    const image = await ociImage(["base", "app"], { compression: "gzip", omit: "app" });
    await expect(
      readImageArchive(engineSaving(image.archive, 64 * 1024), "image", {
        baseLayers: 1,
        needles: [],
      }),
    ).rejects.toThrow(
      `In the export of image, layer 2 of 2 (${image.paths.app}) is listed in manifest.json but ` +
        "missing from the export: this engine's export format is not supported by the image " +
        "suite: report it together with the output of `docker version`, or upgrade the suite.",
    );
  });

  it("names a layer compressed in a way it cannot read", async () => {
    const xz = Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.alloc(64)]);
    const image = await ociImage(["base", "app"], { appLayer: xz });
    await expect(
      readImageArchive(engineSaving(image.archive, 64 * 1024), "image", {
        baseLayers: 1,
        needles: [],
      }),
    ).rejects.toThrow(
      `layer 2 of 2 (${image.paths.app}) is xz-compressed, which the suite cannot read as a ` +
        "layer: this engine's export format is not supported",
    );
  });

  it("names a compressed layer it cannot decompress", async () => {
    const broken = Buffer.concat([
      zlib.gzipSync(await tarOf([])).subarray(0, 12),
      Buffer.alloc(64),
    ]);
    const image = await ociImage(["base", "app"], { appLayer: broken });
    await expect(
      readImageArchive(engineSaving(image.archive, 64 * 1024), "image", {
        baseLayers: 1,
        needles: [],
      }),
    ).rejects.toThrow(`Could not read ${image.paths.app} in the export of image`);
  });
});
