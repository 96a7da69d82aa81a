import type { IncomingHttpHeaders } from "node:http";
import { gunzipSync } from "node:zlib";
import { catalogue } from "@repo/build";
import { apiErrorSchema, apiPaths } from "@repo/shared";
import { Network, type StartedNetwork, type StartedTestContainer, Wait } from "testcontainers";
import { aroundAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningImage, startContainer } from "./image-under-test.ts";
import { type RawRequest, sendRaw } from "./web-http.ts";
import { readContainerFiles, readWebRoot, type WebRoot } from "./web-root.ts";
import { echoPort, echoSchema, startEchoUpstream } from "./web-upstream.ts";

/** Routes the app resolves in the browser: nginx knows nothing of them and serves the shell. */
const clientRoutes = ["/messages/42", "/a/b/c", "/messages/v1.2", "/users/jane.doe"];

/** Names with an extension, so never a client route: the answer is the file or a 404. */
const missingFiles = [
  "/assets/does-not-exist.js",
  "/assets/does-not-exist.css",
  "/does-not-exist.txt",
];

/** `..` spelled every way a client can, each aiming at /etc/passwd outside the web root. */
const traversals = [
  "/../../../../etc/passwd",
  "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
  "/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
  "/..%2f..%2f..%2f..%2fetc%2fpasswd",
  "/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
  "/%252e%252e%252f%252e%252e%252f%252e%252e%252f%252e%252e%252fetc%252fpasswd",
  "/..\\..\\..\\..\\etc\\passwd",
  "/..%5c..%5c..%5c..%5cetc%5cpasswd",
  "/%c0%ae%c0%ae/%c0%ae%c0%ae/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
  "/assets/../../../../etc/passwd",
  "/assets/..%2f..%2f..%2f..%2fetc%2fpasswd",
  "/assets/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
];
/** The first line of every /etc/passwd: in a response, proof that the file leaked. */
const passwdSentinel = "root:x:0:0";

/** How soon /api/ must say the API is down: longer, and the app looks hung to its user. */
const apiUnavailableBudgetMs = 3000;

const apiPorts = new Set(catalogue.filter((spec) => spec.app === "api").map((spec) => spec.port));
/**
 * How an API address would look in the bundle. The app calls relative /api/ paths, so any match
 * means an address was compiled in, which API_UPSTREAM could not change.
 */
const apiAddressPatterns = [
  /\bhttps?:\/\/[^\s"'`]*\/api\//, // an absolute URL of an /api/ path
  /\b(?:localhost|127\.0\.0\.1|0\.0\.0\.0):\d+/, // a local address with a port, e.g. the dev proxy's
  ...[...apiPorts].map((port) => new RegExp(`\\bapi:${port}\\b`)), // compose.yaml's api service
];

/** A response the web server produces, named for the test title. */
interface Answer {
  name: string;
  path: (root: WebRoot) => string;
}
const answers: Answer[] = [
  { name: "the app shell", path: () => "/" },
  { name: "a client route", path: () => "/a/b/c" },
  { name: "an asset", path: (root) => root.script },
  { name: "a missing asset (404)", path: () => "/assets/does-not-exist.js" },
  { name: "a rejected path (400)", path: () => "/../etc/passwd" },
];
const compressible: Answer[] = [
  { name: "HTML", path: () => "/" },
  { name: "JavaScript", path: (root) => root.script },
  { name: "CSS", path: (root) => root.stylesheet },
];

/** The web server's security headers, each present once (a duplicate would be joined with ", "). */
export function expectSecurityHeaders(headers: IncomingHttpHeaders): void {
  expect(headers["x-content-type-options"]).toBe("nosniff");
  // Any policy that keeps paths and queries from other origins.
  expect(headers["referrer-policy"]).toMatch(
    /^(no-referrer|same-origin|strict-origin|strict-origin-when-cross-origin)$/,
  );
  // Framing denied twice: CSP for current browsers, X-Frame-Options for older ones.
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["content-security-policy"]).toMatch(/\bframe-ancestors 'none'/);
}

const text = (body: Buffer) => body.toString("utf8");

/** What a browser gets from a web image: one contract for every approach. */
export function webServingTests(image: () => RunningImage): void {
  const send = (path: string, request?: RawRequest) => sendRaw(image().baseUrl, path, request);
  let root: WebRoot;
  beforeAll(async () => {
    root = await readWebRoot(image().container);
  });

  describe("client routes", () => {
    // The shell is the one file that names the current hashed assets: a cached copy would load
    // the previous deploy's, so it is revalidated on every load — served directly or as fallback.
    it.each(["/", "/index.html", ...clientRoutes])(
      "answers %s with the app shell, never cached",
      async (path) => {
        const response = await send(path);
        expect(response.status).toBe(200);
        expect(response.headers["content-type"]).toMatch(/^text\/html/);
        expect(response.headers["cache-control"]).toBe("no-cache");
        expect(text(response.body)).toBe(root.indexHtml);
      },
    );
  });

  describe("assets", () => {
    // A relative reference would resolve against a deep link to /messages/assets/…, which is no file.
    it("are referenced from index.html by absolute paths", () => {
      for (const reference of root.references) expect(reference).toMatch(/^\/(?!\/)/);
      expect(root.script).toMatch(/^\/assets\//);
      expect(root.stylesheet).toMatch(/^\/assets\//);
    });

    it("are served as built, cached for a year as immutable", async () => {
      const types = {
        [root.script]: /^(text|application)\/javascript/,
        [root.stylesheet]: /^text\/css/,
      };
      for (const [path, type] of Object.entries(types)) {
        const response = await send(path);
        expect(response.status, path).toBe(200);
        expect(response.headers["content-type"], path).toMatch(type);
        expect(response.headers["cache-control"], path).toMatch(/\bmax-age=31536000\b/);
        expect(response.headers["cache-control"], path).toMatch(/\bimmutable\b/);
        expect(root.files.get(path)?.equals(response.body), `${path} as in the image`).toBe(true);
      }
    });

    // The shell or an HTML page in place of a script breaks the app with a misleading error, and
    // a 404 cached for a year would outlive the deploy that caused it (a new shell, an old server).
    it.each(missingFiles)(
      "answer %s with a plain-text 404: not the shell, not HTML, not immutable",
      async (path) => {
        const response = await send(path);
        expect(response.status).toBe(404);
        expect(response.headers["content-type"]).toMatch(/^text\/plain/);
        expect(text(response.body)).not.toMatch(/<(!doctype|html)/i);
        expect(response.headers["cache-control"] ?? "").not.toMatch(/\bimmutable\b/);
      },
    );
  });

  describe("compression", () => {
    it.each(compressible)("gzips $name only for a client that accepts it", async ({ path }) => {
      const plain = await send(path(root));
      expect(plain.status).toBe(200);
      expect(plain.headers["content-encoding"]).toBeUndefined();
      const gzipped = await send(path(root), { headers: { "accept-encoding": "gzip" } });
      expect(gzipped.headers["content-encoding"]).toBe("gzip");
      // Caches in between must keep both variants apart.
      expect(gzipped.headers.vary).toMatch(/\baccept-encoding\b/i);
      expect(gunzipSync(gzipped.body).equals(plain.body)).toBe(true);
    });
  });

  describe("HEAD", () => {
    it.each(answers)("answers HEAD for $name with GET's headers and no body", async ({ path }) => {
      const get = await send(path(root));
      const head = await send(path(root), { method: "HEAD" });
      expect(head.status).toBe(get.status);
      for (const header of ["content-type", "content-length", "cache-control", "etag"]) {
        expect(head.headers[header], header).toEqual(get.headers[header]);
      }
      expect(head.body.length).toBe(0);
    });
  });

  describe("response headers", () => {
    it.each(answers)(
      "sends the security headers and no server version on $name",
      async ({ path }) => {
        const response = await send(path(root));
        expectSecurityHeaders(response.headers);
        expect(response.headers.server ?? "").not.toMatch(/\d/);
        expect(text(response.body)).not.toMatch(/nginx\/\d/);
      },
    );
  });

  describe("path traversal", () => {
    beforeAll(async () => {
      const passwd = (await readContainerFiles(image().container, "/etc/passwd")).get(
        "/etc/passwd",
      );
      // Without the sentinel in the real file, its absence from a response would prove nothing.
      if (!passwd?.toString().includes(passwdSentinel)) {
        throw new Error(
          `The image's /etc/passwd does not contain "${passwdSentinel}"; ` +
            "pick a line of it as the sentinel the traversal tests look for.",
        );
      }
    });

    it.each(traversals)("serves nothing from outside the web root for %s", async (path) => {
      const response = await send(path);
      expect(text(response.body)).not.toContain(passwdSentinel);
      if (response.status === 200) {
        // Read as a name inside the root: no such file, so a client route, answered with the shell.
        expect(text(response.body)).toBe(root.indexHtml);
      } else {
        expect(response.status).toBeOneOf([400, 404]);
      }
    });
  });

  describe("bundle", () => {
    it("names no API address: the container's API_UPSTREAM decides where /api/ goes", () => {
      const apiUpstream = image()
        .config.Env?.find((variable) => variable.startsWith("API_UPSTREAM="))
        ?.slice("API_UPSTREAM=".length);
      expect(apiUpstream, "the image's default API_UPSTREAM").toBeTruthy();
      const found = [...root.files].flatMap(([path, content]) => {
        const source = text(content);
        return [
          ...(apiUpstream && source.includes(apiUpstream) ? [apiUpstream] : []),
          ...apiAddressPatterns.flatMap((pattern) => source.match(pattern)?.[0] ?? []),
        ].map((address) => `${path}: ${address}`);
      });
      expect(found).toEqual([]);
    });
  });

  describe("/api/ proxy", () => {
    let network: StartedNetwork;
    aroundAll(async (runSuite) => {
      await using started = await new Network().start();
      network = started;
      await runSuite();
    });

    const baseUrlOf = (web: StartedTestContainer) =>
      `http://${web.getHost()}:${web.getMappedPort(image().spec.port)}`;
    /** Another container of the image under test, with API_UPSTREAM naming `upstream`. */
    const startWebFor = (upstream: string) => {
      const { spec, built } = image();
      return startContainer(spec, built.tag, {
        // Its own probe: the HEALTHCHECK's first run comes only after its interval.
        waitStrategy: Wait.forHttp(spec.healthPath, spec.port),
        configure: (container) =>
          container
            .withNetwork(network)
            .withEnvironment({ API_UPSTREAM: `http://${upstream}:${echoPort}` }),
      });
    };

    // `proxy_pass $api_upstream` would replace every request's path with a path given here.
    it.each(["http://api:3000/", "api:3000", "", "http://api:99999"])(
      "refuses to start with API_UPSTREAM=%j, saying what to set",
      async (upstream) => {
        const { spec, built } = image();
        const starting = startContainer(spec, built.tag, {
          waitStrategy: Wait.forOneShotStartup(),
          publishPort: false,
          configure: (container) => container.withEnvironment({ API_UPSTREAM: upstream }),
        });
        await expect(starting).rejects.toThrow(/API_UPSTREAM=.*set it to scheme:\/\/host\[:port\]/);
      },
    );

    // Without it nginx would start on the base image's default server and answer 404 to everything.
    it("refuses to start without a writable /etc/nginx/conf.d, saying what to mount", async () => {
      const { spec, built } = image();
      const { "/etc/nginx/conf.d": _configDir, ...otherMounts } = spec.runtime.tmpfs;
      expect(_configDir, "the catalogue's tmpfs for the rendered config").toBeDefined();
      const starting = startContainer(spec, built.tag, {
        waitStrategy: Wait.forOneShotStartup(),
        publishPort: false,
        tmpfs: otherMounts,
      });
      await expect(starting).rejects.toThrow(/conf\.d is not writable.*mount a tmpfs there/);
    });

    it("reaches the upstream API_UPSTREAM names at start: one image, two upstreams", async () => {
      await using _upstreamA = await startEchoUpstream(network, "api-a");
      await using _upstreamB = await startEchoUpstream(network, "api-b");
      await using webA = await startWebFor("api-a");
      await using webB = await startWebFor("api-b");
      const path = `${apiPaths.messages}?limit=5`;
      for (const [web, upstream] of [
        [webA, "api-a"],
        [webB, "api-b"],
      ] as const) {
        const body = JSON.stringify({ author: "Ada", text: `Hello ${upstream}` });
        const response = await sendRaw(baseUrlOf(web), path, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        expect(response.status, upstream).toBe(200);
        // Path, query and body arrive as the client sent them.
        expect(echoSchema.parse(JSON.parse(text(response.body))), upstream).toEqual({
          upstream,
          method: "POST",
          url: path,
          body,
        });
      }
    });

    it(`answers /api/ with a 503 API error within ${apiUnavailableBudgetMs} ms once its upstream stops, and still serves the app`, async () => {
      await using web = await startWebFor("api-stopping");
      {
        await using _upstream = await startEchoUpstream(network, "api-stopping");
        expect((await sendRaw(baseUrlOf(web), apiPaths.info)).status, "upstream running").toBe(200);
      }
      // Each nginx worker resolves and caches the upstream on its own: some requests fail on the
      // lookup at once, others try the stale address until proxy_connect_timeout. Ask several times
      // and hold the slowest to the budget.
      let slowestMs = 0;
      let response = await sendRaw(baseUrlOf(web), apiPaths.messages);
      for (let attempt = 0; attempt < 8; attempt += 1) {
        const asking = performance.now();
        response = await sendRaw(baseUrlOf(web), apiPaths.messages);
        slowestMs = Math.max(slowestMs, performance.now() - asking);
        expect(response.status, `attempt ${attempt + 1}`).toBe(503);
      }
      console.log(
        `[${image().built.tag}] /api/ answered 503 within ${slowestMs.toFixed(0)} ms (slowest of 8) ` +
          "after its upstream stopped",
      );
      expect(slowestMs).toBeLessThan(apiUnavailableBudgetMs);
      expect(response.headers["content-type"]).toMatch(/^application\/json/);
      expect(apiErrorSchema.parse(JSON.parse(text(response.body))).error.code).toBe(
        "api_unavailable",
      );
      expectSecurityHeaders(response.headers);

      const shell = await sendRaw(baseUrlOf(web), "/");
      expect(shell.status).toBe(200);
      expect(text(shell.body)).toBe(root.indexHtml);
    });
  });
}
