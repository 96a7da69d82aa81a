import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
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
  /** Every searched string found in the raw bytes of the archive: layers, their metadata, config. */
  sightings: Sighting[];
}

interface ArchiveManifest {
  Config: string;
  Layers: string[];
}

/** A layer's paths as its tar lists them, whiteouts included. */
type LayerListing = string[];

// Whiteouts are how a layer deletes what a lower layer added (the OCI image layout's markers).
const whiteoutPrefix = ".wh.";
const opaqueWhiteout = ".wh..wh..opq";

/**
 * Exports an image through the engine (`docker save`) and reads it in one streamed pass: the
 * merged filesystem, the filesystem of its first `baseLayers` layers, and where any of `needles`
 * occurs byte for byte — in file contents, names and metadata alike, since the layers are scanned
 * as raw tar streams. Needs no shell or tools inside the image.
 */
export async function readImageArchive(
  docker: Docker,
  tag: string,
  { baseLayers, needles }: { baseLayers: number; needles: readonly string[] },
): Promise<ImageArchive> {
  const listings = new Map<string, LayerListing>();
  // docker save writes a layer that appears twice once, and links the second entry to it.
  const linkedLayers = new Map<string, string>();
  const sightingsByEntry = new Map<string, string[]>();
  let manifest: ArchiveManifest | undefined;

  const archive = tar.extract();
  const exporting = pipeline(await docker.getImage(tag).get(), archive);
  for await (const entry of archive) {
    const { name, type, linkname } = entry.header;
    const scan = needleScan(needles, (needle) =>
      sightingsByEntry.set(name, [...(sightingsByEntry.get(name) ?? []), needle]),
    );
    if (name.endsWith("/layer.tar") && (type === "symlink" || type === "link") && linkname) {
      linkedLayers.set(name, type === "symlink" ? path.posix.join(name, "..", linkname) : linkname);
      entry.resume();
    } else if (name.endsWith("/layer.tar")) {
      listings.set(name, await listLayer(entry, scan));
    } else {
      const chunks: Buffer[] = [];
      await pipeline(entry, scan, async (scanned: AsyncIterable<Buffer>) => {
        for await (const chunk of scanned) chunks.push(chunk);
      });
      if (name === "manifest.json") {
        [manifest] = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ArchiveManifest[];
      }
    }
  }
  await exporting;
  if (!manifest) throw new Error(`The export of ${tag} has no manifest.json: not a docker save.`);

  const layers = manifest.Layers.map((layer) => {
    const listing = listings.get(linkedLayers.get(layer) ?? layer);
    if (!listing) throw new Error(`The export of ${tag} lacks its layer ${layer}.`);
    return listing;
  });
  const files = new Set<string>();
  let baseFiles = new Set<string>();
  for (const [index, listing] of layers.entries()) {
    if (index === baseLayers) baseFiles = new Set(files);
    applyLayer(files, listing);
  }
  if (baseLayers >= layers.length) baseFiles = new Set(files);

  const locate = (entry: string) => {
    const position = manifest?.Layers.indexOf(entry) ?? -1;
    if (position >= 0) return `layer ${position + 1} of ${layers.length} (${entry})`;
    return entry === manifest?.Config ? `the image config (${entry})` : entry;
  };
  const sightings = [...sightingsByEntry].flatMap(([entry, found]) =>
    found.map((needle) => ({ needle, where: locate(entry) })),
  );
  return { files, baseFiles, sightings };
}

async function listLayer(layer: AsyncIterable<unknown>, scan: Transform): Promise<LayerListing> {
  const extract = tar.extract();
  const reading = pipeline(layer, scan, extract);
  const listing: LayerListing = [];
  for await (const entry of extract) {
    listing.push(toImagePath(entry.header.name));
    entry.resume();
  }
  await reading;
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
