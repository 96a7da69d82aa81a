import { randomUUID } from "node:crypto";
import { PassThrough, Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { finished } from "node:stream/promises";
import { pathExists, readToolchain } from "@repo/build";
import {
  apiErrorSchema,
  apiInfoSchema,
  apiPaths,
  healthSchema,
  messagePath,
  messageSchema,
} from "@repo/shared";
import type Docker from "dockerode";
import { expect, it } from "vitest";
import { type RunningImage, startContainer } from "./image-under-test.ts";

const majorOf = (version: string) => Number(/^v?(\d+)\./.exec(version)?.[1]);
const nodeMajor = majorOf(readToolchain().nodeVersion);

/**
 * helmet's default headers (helmet 8), sent on every response, errors included. Pinned in full:
 * a helmet upgrade that changes one shows up here as a diff to review.
 */
const securityHeaders = {
  "content-security-policy":
    "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';" +
    "frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';" +
    "script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "origin-agent-cluster": "?1",
  "referrer-policy": "no-referrer",
  "strict-transport-security": "max-age=31536000; includeSubDomains",
  "x-content-type-options": "nosniff",
  "x-dns-prefetch-control": "off",
  "x-download-options": "noopen",
  "x-frame-options": "SAMEORIGIN",
  "x-permitted-cross-domain-policies": "none",
  "x-xss-protection": "0",
};

/** What a client sends wrong, and the JSON error the api must answer it with. */
interface BadRequest {
  name: string;
  method: string;
  path: string;
  contentType?: string;
  body?: string;
  status: number;
  code: string;
}

const badRequests: BadRequest[] = [
  {
    name: "malformed JSON",
    method: "POST",
    path: apiPaths.messages,
    contentType: "application/json",
    body: '{"author": "Ada",',
    status: 400,
    code: "invalid_json",
  },
  {
    name: "a body over the 16 KiB limit",
    method: "POST",
    path: apiPaths.messages,
    contentType: "application/json",
    body: JSON.stringify({ author: "Ada", text: "x".repeat(20_000) }),
    status: 413,
    code: "payload_too_large",
  },
  {
    name: "a form instead of JSON",
    method: "POST",
    path: apiPaths.messages,
    contentType: "application/x-www-form-urlencoded",
    body: "author=Ada&text=Hello",
    status: 415,
    code: "unsupported_media_type",
  },
  { name: "an unknown route", method: "GET", path: "/nope", status: 404, code: "not_found" },
  {
    name: "a method the path does not serve",
    method: "DELETE",
    path: messagePath(1),
    status: 404,
    code: "not_found",
  },
  // Fails inside Express's router, before any route: the error handler's generic branch.
  {
    name: "a path parameter that does not decode",
    method: "GET",
    path: `${apiPaths.messages}/%E0%A4%A`,
    status: 400,
    code: "bad_request",
  },
];

/** A log line as pino-http writes it for a finished request. */
interface RequestLogLine {
  msg: string;
  req: { id: string; url: string };
  res: { statusCode: number };
}

/**
 * Everything a container has written so far, split into stdout and stderr. Without a TTY the
 * engine frames the two streams into one; dockerode's modem takes the frames apart.
 */
async function readOutput(
  container: Docker.Container,
): Promise<{ stdout: string; stderr: string }> {
  const framed = Readable.from([await container.logs({ stdout: true, stderr: true })]);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  (container.modem as Docker["modem"]).demuxStream(framed, stdout, stderr);
  await finished(framed);
  stdout.end();
  stderr.end();
  return { stdout: await text(stdout), stderr: await text(stderr) };
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** The api contract of @repo/shared, served by the image, and how the image runs it. */
export function apiServingTests(image: () => RunningImage): void {
  const url = (path: string) => new URL(path, image().baseUrl);
  const postJson = (path: string, body: unknown) =>
    fetch(url(path), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  // Liveness only, and readiness is the same answer: the api keeps its messages in memory and has
  // no dependency (database, upstream) that can be down while the process is up. An api that gains
  // one adds a readiness path that checks it, so an orchestrator stops routing instead of restarting.
  it("answers /health with ok while Docker reports the container healthy", async () => {
    expect((await image().container.inspect()).State.Health?.Status).toBe("healthy");
    const response = await fetch(url(apiPaths.health));
    expect(response.status).toBe(200);
    expect(healthSchema.parse(await response.json())).toEqual({ status: "ok" });
  });

  it(`runs on Node ${nodeMajor}, the major in .node-version`, async () => {
    const response = await fetch(url(apiPaths.info));
    expect(response.status).toBe(200);
    expect(majorOf(apiInfoSchema.parse(await response.json()).node)).toBe(nodeMajor);
  });

  it("creates a valid message and returns it with 201", async () => {
    const input = { author: "Ada", text: "Hello from the image suite" };
    const response = await postJson(apiPaths.messages, input);
    expect(response.status).toBe(201);
    const message = messageSchema.parse(await response.json());
    expect(message).toMatchObject(input);
    expect(response.headers.get("location")).toBe(messagePath(message.id));
  });

  it("rejects an invalid message with 400 and the field to fix", async () => {
    const response = await postJson(apiPaths.messages, { author: " ", text: "Hello" });
    expect(response.status).toBe(400);
    const { error } = apiErrorSchema.parse(await response.json());
    expect(error.details?.map((detail) => detail.path)).toEqual(["author"]);
  });

  it.each(badRequests)(
    "answers $name with a $status JSON error, no stack trace or HTML",
    async ({ method, path, contentType, body, status, code }) => {
      const response = await fetch(url(path), {
        method,
        ...(contentType ? { headers: { "content-type": contentType } } : {}),
        body,
      });
      expect(response.status).toBe(status);
      expect(response.headers.get("content-type")).toMatch(/^application\/json(;|$)/);
      const answer = await response.text();
      expect(apiErrorSchema.parse(JSON.parse(answer)).error.code).toBe(code);
      expect(answer, "a stack frame").not.toMatch(/\bat .*:\d+:\d+/);
      expect(answer, "a file path").not.toMatch(/\/app\/|node_modules|file:\/\//);
      expect(answer, "HTML").not.toMatch(/<\/?[a-z!][^>]*>/i);
      expect(Object.fromEntries(response.headers)).toMatchObject(securityHeaders);
      expect(response.headers.has("x-powered-by")).toBe(false);
    },
  );

  it("sends helmet's security headers and no X-Powered-By", async () => {
    const response = await fetch(url(apiPaths.info));
    expect(response.status).toBe(200);
    expect(Object.fromEntries(response.headers)).toMatchObject(securityHeaders);
    expect(response.headers.has("x-powered-by")).toBe(false);
  });

  // `docker top` lists the container's processes by host pid; the engine names PID 1's host pid.
  it("runs node dist/server.js as PID 1, with no package manager or shell", async () => {
    const { container } = image();
    const { State } = await container.inspect();
    const { Processes } = (await container.top({ ps_args: "-o pid,args" })) as {
      Processes: [pid: string, args: string][];
    };
    const commands = new Map(Processes);
    expect(commands.get(String(State.Pid)), "PID 1").toBe("node dist/server.js");
    const wrappers = [...commands.values()].filter((args) =>
      /^(\S*\/)?(npm|npx|pnpm|yarn|sh|bash|dash)(\s|$)/.test(args),
    );
    expect(wrappers).toEqual([]);
  });

  // The HEALTHCHECK that got the container healthy runs node: nothing is installed just for it.
  it("checks its health with node, without curl or wget in the image", async () => {
    expect(image().config.Healthcheck?.Test?.slice(0, 2)).toEqual(["CMD", "node"]);
    expect(await pathExists(image().container, "/usr/bin/curl"), "/usr/bin/curl").toBe(false);
    expect(await pathExists(image().container, "/usr/bin/wget"), "/usr/bin/wget").toBe(false);
  });

  // Reached through the engine's port mapping, which connects to the container's own address: a
  // server bound to loopback only would not answer. Starting waits for the HEALTHCHECK, so healthy
  // also proves the check follows PORT.
  it("binds 0.0.0.0 on the port PORT names, and its HEALTHCHECK follows", async () => {
    const { spec, built } = image();
    const port = 4000;
    await using started = await startContainer(spec, built.tag, {
      configure: (container) =>
        container.withEnvironment({ PORT: String(port) }).withExposedPorts(port),
    });
    const healthUrl = (containerPort: number) =>
      `http://${started.getHost()}:${started.getMappedPort(containerPort)}${apiPaths.health}`;
    expect((await fetch(healthUrl(port))).status).toBe(200);
    await expect(fetch(healthUrl(spec.port)), `port ${spec.port}`).rejects.toThrow();
  });

  it("logs each request as one JSON line on stdout, under the id it answered with", async () => {
    const ownId = `image-suite-${randomUUID()}`;
    const responses = [
      await fetch(url(apiPaths.info), { headers: { "x-request-id": ownId } }),
      await fetch(url(apiPaths.messages)),
      await postJson(apiPaths.messages, { author: "", text: "" }),
      await fetch(url("/nope")),
    ];
    const ids = responses.map((response) => response.headers.get("x-request-id"));
    expect(ids[0]).toBe(ownId);

    // The engine collects the output asynchronously: wait until every id has arrived.
    let output = { stdout: "", stderr: "" };
    await expect
      .poll(async () => {
        output = await readOutput(image().container);
        return ids.filter((id) => !id || !output.stdout.includes(id));
      })
      .toEqual([]);

    const lines = output.stdout.split("\n").filter((line) => line !== "");
    expect(lines.filter((line) => typeof parseJson(line) !== "object")).toEqual([]);
    expect(output.stderr).toBe("");
    const logged = lines.map((line) => parseJson(line) as Partial<RequestLogLine>);
    for (const [index, response] of responses.entries()) {
      const { pathname } = new URL(response.url);
      expect(logged.filter((line) => line.req?.id === ids[index])).toEqual([
        expect.objectContaining({
          msg: "request completed",
          req: expect.objectContaining({ url: pathname }),
          res: { statusCode: response.status },
        }),
      ]);
    }
  });
}
