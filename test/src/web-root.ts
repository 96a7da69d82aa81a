import { mkdtempDisposable, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { pipeline } from "node:stream/promises";
import type Docker from "dockerode";
import tar from "tar-fs";

/** Where both web Dockerfiles copy the bundle: the nginx base's document root. */
export const webRootPath = "/usr/share/nginx/html";

/**
 * Every regular file at or under `path` in a container, keyed by its absolute path there. Read
 * through the engine's archive API, which needs no shell or tools inside the image.
 */
export async function readContainerFiles(
  container: Docker.Container,
  path: string,
): Promise<Map<string, Buffer>> {
  await using copy = await mkdtempDisposable(join(tmpdir(), "container-files-"));
  // The archive names entries after the last segment of `path` ("html/index.html").
  await pipeline(await container.getArchive({ path }), tar.extract(copy.path));
  const entries = await readdir(copy.path, { recursive: true, withFileTypes: true });
  const files = new Map<string, Buffer>();
  for (const entry of entries.filter((entry) => entry.isFile())) {
    const local = join(entry.parentPath, entry.name);
    files.set(join(dirname(path), relative(copy.path, local)), await readFile(local));
  }
  return files;
}

/** The bundle a web image serves, as the image holds it. */
export interface WebRoot {
  indexHtml: string;
  /** Every file, keyed by the URL path it is served at ("/assets/index-Bx1.js"). */
  files: Map<string, Buffer>;
  /** Every `src` and `href` in index.html, as written there. */
  references: string[];
  /** The module script and the stylesheet index.html loads. */
  script: string;
  stylesheet: string;
}

export async function readWebRoot(container: Docker.Container): Promise<WebRoot> {
  const files = new Map(
    [...(await readContainerFiles(container, webRootPath))].map(([path, content]) => [
      path.slice(webRootPath.length),
      content,
    ]),
  );
  const indexHtml = files.get("/index.html")?.toString();
  if (indexHtml === undefined) {
    throw new Error(
      `The image has no ${webRootPath}/index.html: its Dockerfile must copy the built bundle there.`,
    );
  }
  const references = [...indexHtml.matchAll(/\b(?:src|href)="([^"]+)"/g)].map(
    (match) => match[1] ?? "",
  );
  const script = references.find((reference) => reference.endsWith(".js"));
  const stylesheet = references.find((reference) => reference.endsWith(".css"));
  if (!script || !stylesheet) {
    throw new Error(
      `index.html loads no ${script ? "stylesheet" : "script"}: check the web app's Vite build.`,
    );
  }
  return { indexHtml, files, references, script, stylesheet };
}
