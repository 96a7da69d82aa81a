import path from "node:path";
import { Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import zlib from "node:zlib";
import type Docker from "dockerode";
import tar from "tar-stream";

/** Where in an exported image a searched string was found. */
export interface Sighting {
  needle: string;
  /** A layer (its position and archive entry) or another archive file, such as the config. */
  where: string;
}

/** What one `docker save` of an image shows, read in a single pass. */
export interface ImageArchive {
  /** The filesystem a container of the image starts with: layers merged, whiteouts applied. */
  files: ReadonlySet<string>;
  /** The paths of the filesystem the first `baseLayers` layers alone make up. */
  baseFiles: ReadonlySet<string>;
  /** Every searched string found in the archive: layers (decompressed), their metadata, config. */
  sightings: Sighting[];
}

interface ArchiveManifest {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

/** A layer's paths as its tar lists them, whiteouts included. */
type LayerListing = string[];

/** What a layer or blob entry of the export turned out to hold. */
type EntryContent =
  | { kind: "layer"; listing: LayerListing }
  | { kind: "json" }
  | { kind: "unreadable"; format: string };

// Whiteouts are how a layer deletes what a lower layer added (the OCI image layout's markers).
const whiteoutPrefix = ".wh.";
const opaqueWhiteout = ".wh..wh..opq";

const unsupported =
  "this engine's export format is not supported by the image suite: report it together with " +
  "the output of `docker version`, or upgrade the suite";

/**
 * Exports an image through the engine (`docker save`) and reads it in one streamed pass: the
 * merged filesystem, the filesystem of its first `baseLayers` layers, and where any of `needles`
 * occurs byte for byte — in file contents, names and metadata alike, since the layers are scanned
 * as raw (decompressed) tar streams. Needs no shell or tools inside the image.
 *
 * Reads both export formats: the legacy one of Docker ≤ 24 (`<id>/layer.tar`) and the OCI layout
 * of Docker 25+ (`blobs/sha256/<digest>`, gzip- or zstd-compressed with the containerd store).
 * Only manifest.json is held in memory; it may come anywhere in the stream, so every candidate
 * layer is listed as it passes and matched to the manifest at the end.
 */
export async function readImageArchive(
  docker: Docker,
  tag: string,
  { baseLayers, needles }: { baseLayers: number; needles: readonly string[] },
): Promise<ImageArchive> {
  const contents = new Map<string, EntryContent>();
  // docker save writes a layer that appears twice once, and links the second entry to it.
  const links = new Map<string, string>();
  const sightingsByEntry = new Map<string, string[]>();
  let manifestText: string | undefined;

  const archive = tar.extract();
  const exporting = pipeline(await docker.getImage(tag).get(), archive);
  // A failing export also fails the loop below, which reports it; this only keeps the rejection
  // from counting as unhandled while the loop is still busy with an entry.
  exporting.catch(() => {});
  try {
    for await (const entry of archive) {
      const { type, linkname } = entry.header;
      const name = entryPath(entry.header.name);
      const scan = needleScan(needles, (needle) =>
        sightingsByEntry.set(name, [...(sightingsByEntry.get(name) ?? []), needle]),
      );
      if ((type === "symlink" || type === "link") && linkname) {
        const target =
          type === "symlink" ? path.posix.join(path.posix.dirname(name), linkname) : linkname;
        links.set(name, entryPath(target));
        entry.resume();
      } else if (type === "directory") {
        entry.resume();
      } else if (name === "manifest.json") {
        const chunks: Buffer[] = [];
        await pipeline(entry, scan, async (scanned: AsyncIterable<Buffer>) => {
          for await (const chunk of scanned) chunks.push(chunk);
        });
        manifestText = Buffer.concat(chunks).toString("utf8");
      } else if (name.endsWith("/layer.tar") || name.startsWith("blobs/")) {
        try {
          // tar-stream types entry chunks as unknown; they are Buffers.
          contents.set(name, await readContent(entry as AsyncIterable<Buffer>, scan));
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          throw new Error(
            `Could not read ${name} in the export of ${tag} (${reason}): ${unsupported}.`,
            { cause: error },
          );
        }
      } else {
        await pipeline(entry, scan, discard());
      }
    }
    await exporting;
  } catch (error) {
    archive.destroy();
    await exporting.catch(() => {});
    throw error;
  }

  const manifest = parseManifest(manifestText, tag);
  const resolve = (entry: string) => {
    let resolved = entryPath(entry);
    for (let hops = 0; hops < 16; hops++) {
      const target = links.get(resolved);
      if (target === undefined) break;
      resolved = target;
    }
    return resolved;
  };

  const layerEntries = manifest.Layers.map(resolve);
  const layers = layerEntries.map((entry, index) => {
    const content = contents.get(entry);
    if (content?.kind === "layer") return content.listing;
    const layer = `layer ${index + 1} of ${layerEntries.length} (${manifest.Layers[index]})`;
    const problem =
      content === undefined
        ? "is listed in manifest.json but missing from the export"
        : content.kind === "json"
          ? "holds JSON, not a filesystem tar"
          : `is ${content.format}, which the suite cannot read as a layer`;
    throw new Error(`In the export of ${tag}, ${layer} ${problem}: ${unsupported}.`);
  });
  const files = new Set<string>();
  let baseFiles = new Set<string>();
  for (const [index, listing] of layers.entries()) {
    if (index === baseLayers) baseFiles = new Set(files);
    applyLayer(files, listing);
  }
  if (baseLayers >= layers.length) baseFiles = new Set(files);

  const config = resolve(manifest.Config);
  const locate = (entry: string) => {
    const position = layerEntries.indexOf(entry);
    if (position >= 0) return `layer ${position + 1} of ${layers.length} (${entry})`;
    return entry === config ? `the image config (${entry})` : entry;
  };
  const sightings = [...sightingsByEntry].flatMap(([entry, found]) =>
    found.map((needle) => ({ needle, where: locate(entry) })),
  );
  return { files, baseFiles, sightings };
}

/** Archive paths as manifest.json and link targets name them, whatever their spelling. */
const entryPath = (name: string) => path.posix.normalize(name).replace(/^\/+/, "");

function parseManifest(text: string | undefined, tag: string): ArchiveManifest {
  if (text === undefined) {
    throw new Error(`The export of ${tag} has no manifest.json: ${unsupported}.`);
  }
  let images: unknown;
  try {
    images = JSON.parse(text);
  } catch (error) {
    throw new Error(`The manifest.json in the export of ${tag} is not JSON: ${unsupported}.`, {
      cause: error,
    });
  }
  const valid = (Array.isArray(images) ? images : []).filter(
    (image): image is ArchiveManifest =>
      typeof image?.Config === "string" &&
      Array.isArray(image?.Layers) &&
      image.Layers.every((layer: unknown) => typeof layer === "string"),
  );
  const manifest = valid.find((image) => image.RepoTags?.includes(tag)) ?? valid[0];
  if (!manifest) {
    throw new Error(
      `The manifest.json in the export of ${tag} names no image with a Config and Layers: ` +
        `${unsupported}.`,
    );
  }
  return manifest;
}

/**
 * Tells a layer or blob entry apart by its first bytes, not by its name: the OCI layout names
 * layers, configs and manifests alike by digest, and compression is a property of the blob.
 * Needles are searched in the innermost bytes, so a secret in a compressed layer is still found.
 */
async function readContent(
  source: AsyncIterable<Buffer>,
  scan: Transform,
  compression?: string,
): Promise<EntryContent> {
  const { head, all } = await peek(source, tarBlock);
  if (!compression && startsWith(head, gzipMagic)) {
    return pipeline(all, zlib.createGunzip(), (plain: AsyncIterable<Buffer>) =>
      readContent(plain, scan, "gzip"),
    );
  }
  if (!compression && startsWith(head, zstdMagic)) {
    return pipeline(all, zlib.createZstdDecompress(), (plain: AsyncIterable<Buffer>) =>
      readContent(plain, scan, "zstd"),
    );
  }
  // An empty layer is a tar of zero blocks only: no header, no ustar magic, yet a layer.
  if (head.length === 0 || isTarHeader(head))
    return { kind: "layer", listing: await listLayer(all, scan) };
  await pipeline(all, scan, discard());
  if (!compression && head[0] === "{".charCodeAt(0)) return { kind: "json" };
  const format = describeFormat(head);
  return { kind: "unreadable", format: compression ? `${compression} of ${format}` : format };
}

const tarBlock = 512;
const gzipMagic = Buffer.from([0x1f, 0x8b]);
const zstdMagic = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const knownMagic: [Buffer, string][] = [
  [Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), "xz-compressed"],
  [Buffer.from("BZh"), "bzip2-compressed"],
  [Buffer.from([0x04, 0x22, 0x4d, 0x18]), "lz4-compressed"],
];

const startsWith = (bytes: Buffer, prefix: Buffer) =>
  bytes.length >= prefix.length && bytes.subarray(0, prefix.length).equals(prefix);

function describeFormat(head: Buffer): string {
  const known = knownMagic.find(([magic]) => startsWith(head, magic));
  if (known) return known[1];
  return `of an unknown format (first bytes ${head.subarray(0, 8).toString("hex")})`;
}

/**
 * A tar header is told by its checksum (the sum of its bytes, the checksum field counted as
 * spaces), which every tar flavour has; an all-zero block is the end of an empty archive.
 */
function isTarHeader(head: Buffer): boolean {
  if (head.length < tarBlock) return false;
  const block = head.subarray(0, tarBlock);
  if (block.every((byte) => byte === 0)) return true;
  const recorded = Number.parseInt(block.toString("latin1", 148, 156).replace(/[\0 ]/g, ""), 8);
  let sum = 0;
  for (const [offset, byte] of block.entries()) {
    sum += offset >= 148 && offset < 156 ? 0x20 : byte;
  }
  return recorded === sum;
}

/** Reads the first `bytes` of a stream and hands back the whole stream, those bytes included. */
async function peek(
  source: AsyncIterable<Buffer>,
  bytes: number,
): Promise<{ head: Buffer; all: AsyncIterable<Buffer> }> {
  const iterator = source[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  let length = 0;
  let ended = false;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    seen.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(seen);
  async function* all(): AsyncGenerator<Buffer> {
    try {
      if (head.length > 0) yield head;
      while (!ended) {
        const next = await iterator.next();
        if (next.done) ended = true;
        else yield next.value;
      }
    } finally {
      // A consumer that gives up early (a broken tar) must not leave the source half read.
      if (!ended) await iterator.return?.();
    }
  }
  return { head, all: all() };
}

const discard = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });

async function listLayer(layer: AsyncIterable<Buffer>, scan: Transform): Promise<LayerListing> {
  const extract = tar.extract();
  const listEntries = async () => {
    const listing: LayerListing = [];
    for await (const entry of extract) {
      listing.push(toImagePath(entry.header.name));
      entry.resume();
    }
    return listing;
  };
  const [, listing] = await Promise.all([pipeline(layer, scan, extract), listEntries()]);
  return listing;
}

/** Layer tars name paths relative to the root, directories with a trailing slash. */
const toImagePath = (name: string) => path.posix.join("/", name).replace(/(.)\/$/, "$1");

function removeTree(files: Set<string>, root: string, keepRoot = false): void {
  if (!keepRoot) files.delete(root);
  const prefix = root === "/" ? "/" : `${root}/`;
  for (const file of files) if (file.startsWith(prefix)) files.delete(file);
}

/** Applies one layer on top of the merged filesystem below it. */
function applyLayer(files: Set<string>, listing: LayerListing): void {
  for (const file of listing) {
    const name = path.posix.basename(file);
    const dir = path.posix.dirname(file);
    if (name === opaqueWhiteout) removeTree(files, dir, true);
    else if (name.startsWith(whiteoutPrefix))
      removeTree(files, path.posix.join(dir, name.slice(whiteoutPrefix.length)));
  }
  for (const file of listing) {
    if (!path.posix.basename(file).startsWith(whiteoutPrefix)) files.add(file);
  }
}

/**
 * Passes bytes through and reports each needle the first time it occurs, also when one straddles
 * two chunks: every chunk is searched together with the tail of the one before.
 */
function needleScan(needles: readonly string[], onFound: (needle: string) => void): Transform {
  const patterns = needles.map((needle) => ({ needle, bytes: Buffer.from(needle) }));
  const overlap = Math.max(0, ...patterns.map(({ bytes }) => bytes.length - 1));
  const found = new Set<string>();
  let tail = Buffer.alloc(0);
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const window = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk;
      for (const { needle, bytes } of patterns) {
        if (!found.has(needle) && window.includes(bytes)) {
          found.add(needle);
          onFound(needle);
        }
      }
      tail = Buffer.from(window.subarray(Math.max(0, window.length - overlap)));
      done(null, chunk);
    },
  });
}
