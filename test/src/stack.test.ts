import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { catalogue, connectDocker, type ImageSpec } from "@repo/build";
import { apiInfoSchema, apiPaths, messageListSchema, messageSchema } from "@repo/shared";
import {
  type GenericContainer,
  Network,
  type StartedNetwork,
  type StartedTestContainer,
} from "testcontainers";
import { aroundAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { buildTestImage, startContainer } from "./image-under-test.ts";
import { composeStack, readCompose, type StackService } from "./stack-compose.ts";
import { expectSecurityHeaders } from "./web-serving.ts";

const compose = readCompose();
const stack = composeStack(compose);

// People run what compose.yaml says; the suite runs what the catalogue says. These prove the two
// agree, so the stack below, started from the catalogue plus compose.yaml's wiring, is the same.
describe("compose.yaml", () => {
  const multiStage = catalogue.filter((spec) => spec.approach === "multiStage");

  it("runs one service per app, named after it", () => {
    expect(Object.keys(compose.services).sort()).toEqual(multiStage.map((spec) => spec.app).sort());
  });

  describe.each(multiStage)("service $app", (spec) => {
    const service = compose.services[spec.app];

    it("builds the catalogue's multi-stage image from the repository root", () => {
      expect(service?.build).toEqual({ context: ".", dockerfile: spec.dockerfile });
      expect(service?.image).toBe(spec.image);
    });

    it("runs it as the catalogue does: numeric user, read-only root fs, its tmpfs mounts", () => {
      expect(service?.user).toBe(spec.runtime.user);
      expect(service?.read_only).toBe(spec.runtime.readOnlyRootFilesystem);
      expect(service?.tmpfs).toEqual(spec.runtime.tmpfs);
    });

    // People open the web server; the api is reached through it only.
    const publishes = spec.app === "web";
    it(`publishes ${publishes ? `port ${spec.port}, on loopback only` : "no port"}`, () => {
      const ports = service?.ports ?? [];
      expect(ports).toHaveLength(publishes ? 1 : 0);
      for (const published of ports) {
        expect(published).toMatch(new RegExp(`^127\\.0\\.0\\.1:\\d+:${spec.port}$`));
      }
    });
  });

  it("points web's API_UPSTREAM at the api's port, and starts web once the api is healthy", () => {
    expect(stack.api.spec.app).toBe("api");
    expect(stack.apiUpstream.protocol).toBe("http:");
    expect(Number(stack.apiUpstream.port)).toBe(stack.api.spec.port);
    expect(stack.web.depends_on).toEqual({ [stack.api.name]: { condition: "service_healthy" } });
  });
});

const docker = await connectDocker();

/** The fields of the api's request log line that tie it to a request. */
const requestLogSchema = z.object({
  req: z.object({ id: z.string(), method: z.string(), url: z.string() }),
  res: z.object({ statusCode: z.number() }),
});

/** A container's output lines, collected as they come until it stops or this is disposed. */
function followLines(output: Readable): { lines: string[] } & Disposable {
  const lines: string[] = [];
  createInterface({ input: output }).on("line", (line) => lines.push(line));
  return { lines, [Symbol.dispose]: () => output.destroy() };
}

const publishedUrl = (started: StartedTestContainer, spec: ImageSpec) =>
  `http://${started.getHost()}:${started.getMappedPort(spec.port)}`;

/** On the stack's network, Compose names every service's container after the service. */
const asComposeService =
  (network: StartedNetwork, service: StackService) => (container: GenericContainer) =>
    container
      .withNetwork(network)
      .withNetworkAliases(service.name)
      .withEnvironment(service.environment);

interface RunningStack {
  webUrl: string;
  /** The api's own published port, to compare what web relays with the source. */
  apiUrl: string;
  apiOutput: string[];
}

describe(`stack: ${stack.web.name} proxying /api/ to ${stack.apiUpstream.host}`, () => {
  let running: RunningStack | undefined;
  // Removed in reverse order — containers, network, images — also when a build, start or test fails.
  aroundAll(async (runSuite) => {
    await using apiImage = await buildTestImage(docker, stack.api.spec);
    await using webImage = await buildTestImage(docker, stack.web.spec);
    await using network = await new Network().start();
    // Started one after the other, as `depends_on: service_healthy` does: the api is healthy first.
    await using api = await startContainer(stack.api.spec, apiImage.tag, {
      configure: asComposeService(network, stack.api),
    });
    using apiOutput = followLines(await api.logs());
    await using web = await startContainer(stack.web.spec, webImage.tag, {
      configure: asComposeService(network, stack.web),
    });
    running = {
      webUrl: publishedUrl(web, stack.web.spec),
      apiUrl: publishedUrl(api, stack.api.spec),
      apiOutput: apiOutput.lines,
    };
    await runSuite();
  });
  const stackRunning = () => {
    if (!running)
      throw new Error("The stack is not running: its build or start failed (see above).");
    return running;
  };
  const throughWeb = (path: string, init?: RequestInit) =>
    fetch(new URL(path, stackRunning().webUrl), init);

  it("serves the SPA shell from web", async () => {
    const response = await throughWeb("/");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await response.text()).toContain('<div id="root"></div>');
  });

  it(`relays ${apiPaths.info} from the api, with the web server's security headers in place of the api's`, async () => {
    const response = await throughWeb(apiPaths.info);
    expect(response.status).toBe(200);
    expectSecurityHeaders(Object.fromEntries(response.headers));
    const direct = await fetch(new URL(apiPaths.info, stackRunning().apiUrl));
    expect(apiInfoSchema.parse(await response.json())).toEqual(
      apiInfoSchema.parse(await direct.json()),
    );
  });

  it("stores a message posted through web and lists it through web", async () => {
    const input = { author: "Ada", text: "Hello through nginx" };
    const created = await throughWeb(apiPaths.messages, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(input),
    });
    expect(created.status).toBe(201);
    const message = messageSchema.parse(await created.json());
    expect(message).toMatchObject(input);

    const listed = await throughWeb(apiPaths.messages);
    expect(listed.status).toBe(200);
    expect(messageListSchema.parse(await listed.json())).toContainEqual(message);
  });

  it("hands nginx's request id to the api, which logs the request under it", async () => {
    const response = await throughWeb(apiPaths.info);
    expect(response.status).toBe(200);
    const requestId = response.headers.get("x-request-id");
    // nginx's $request_id is 32 hex digits; an api that got no id would echo a UUID of its own.
    expect(requestId).toMatch(/^[0-9a-f]{32}$/);
    const loggedRequests = () =>
      stackRunning()
        .apiOutput.map((line) => requestLogSchema.safeParse(JSON.parse(line)))
        .flatMap((parsed) => (parsed.success ? [parsed.data] : []));
    await expect
      .poll(() => loggedRequests().find((logged) => logged.req.id === requestId))
      .toMatchObject({ req: { method: "GET", url: apiPaths.info }, res: { statusCode: 200 } });
  });
});
