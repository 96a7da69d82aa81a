import { expect, it } from "vitest";
import type { RunningImage } from "./image-under-test.ts";

/** What a browser gets from the web image: the SPA shell on every client route, hashed assets. */
export function webServingTests(image: () => RunningImage): void {
  const get = (path: string) => fetch(new URL(path, image().baseUrl));
  const shell = async (path: string) => {
    const response = await get(path);
    expect(response.status, `GET ${path}`).toBe(200);
    expect(response.headers.get("content-type"), `GET ${path}`).toMatch(/^text\/html/);
    expect(response.headers.get("cache-control"), `GET ${path}`).toBe("no-cache");
    return response.text();
  };

  it("serves the app shell at /, never cached", async () => {
    expect(await shell("/")).toContain('<div id="root"></div>');
  });

  it("answers a client-side route with the same shell", async () => {
    expect(await shell("/messages/42")).toBe(await shell("/"));
  });

  it("serves the shell's script as immutable, compressed JavaScript", async () => {
    const script = /<script[^>]* src="(\/assets\/[^"]+\.js)"/.exec(await shell("/"))?.[1];
    if (!script) throw new Error("index.html references no /assets/*.js script");
    const response = await get(script);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^(text|application)\/javascript/);
    expect(response.headers.get("cache-control")).toContain("immutable");
    expect(response.headers.get("content-encoding")).toBe("gzip");
  });

  // Cached for a year, a 404 for an asset requested while a deploy rolls out (new shell, old
  // server) would outlive the deploy: only files that exist may be immutable.
  it("answers a missing asset with 404, not the shell, and never as immutable", async () => {
    const response = await get("/assets/does-not-exist.js");
    expect(response.status).toBe(404);
    expect(response.headers.get("cache-control") ?? "").not.toContain("immutable");
  });
}
