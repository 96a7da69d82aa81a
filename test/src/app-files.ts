import { createHash } from "node:crypto";
import { buffer } from "node:stream/consumers";
import { pipeline } from "node:stream/promises";
import type Docker from "dockerode";
import tar from "tar-stream";

/**
 * Every entry at or under `appRoot` in a container's filesystem, by path: type, mode, owner, and
 * the symlink target or content digest. Never times: they record when a build ran, not what it
 * made. Read through the engine's archive API, so the container need not run and the image needs
 * no tools.
 */
export async function appFiles(
  container: Docker.Container,
  appRoot: string,
): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  const extract = tar.extract();
  const hashEntries = async () => {
    for await (const entry of extract) {
      const { name, type, mode = 0, uid, gid, linkname } = entry.header;
      const digest = createHash("sha256")
        .update(await buffer(entry))
        .digest("hex");
      const content = type === "symlink" ? `-> ${linkname}` : digest;
      entries.set(name, `${type} ${mode.toString(8)} ${uid}:${gid} ${content}`);
    }
  };
  const archive = await container.getArchive({ path: appRoot });
  await Promise.all([pipeline(archive, extract), hashEntries()]);
  return entries;
}

/** One digest for a whole listing, to quote in a log line. */
export const digestOf = (files: Map<string, string>) =>
  createHash("sha256")
    .update(
      [...files]
        .map(([file, entry]) => `${file} ${entry}`)
        .sort()
        .join("\n"),
    )
    .digest("hex");

/** One line per path whose entry is not the same in both, or exists in only one. */
export function differences(first: Map<string, string>, second: Map<string, string>): string[] {
  return [...new Set([...first.keys(), ...second.keys()])]
    .sort()
    .filter((file) => first.get(file) !== second.get(file))
    .map((file) => `${file}: ${first.get(file) ?? "(absent)"} | ${second.get(file) ?? "(absent)"}`);
}
