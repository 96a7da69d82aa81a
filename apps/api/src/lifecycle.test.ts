import { once } from "node:events";
import type { RequestListener } from "node:http";
import { connect, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { listen, type RunningServer } from "./lifecycle.ts";

function portOf({ server }: RunningServer): number {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("not listening on TCP");
  return address.port;
}

function urlOf(running: RunningServer): string {
  return `http://127.0.0.1:${portOf(running)}/`;
}

/** Opens a raw connection that sends `data` and then stalls, as a slow or stuck client does. */
async function stallingClient(running: RunningServer, data: string): Promise<Socket> {
  const socket = connect(portOf(running), "127.0.0.1");
  await once(socket, "connect");
  socket.write(data);
  // The server sees nothing until it has parsed these bytes; give its read a moment.
  await sleep(50);
  return socket;
}

const halfSentHeaders = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n";
const halfSentBody =
  "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
  'Content-Length: 100\r\n\r\n{"author":';

/** Answers once the whole request body is in, as the api's routes do. */
const answerAfterBody: RequestListener = (req, res) => {
  req.resume();
  req.once("end", () => res.end("done"));
};

describe("listen", () => {
  it("rejects when the port is taken", async () => {
    const first = await listen((_req, res) => res.end(), 0, "127.0.0.1");
    await expect(listen((_req, res) => res.end(), portOf(first), "127.0.0.1")).rejects.toThrow(
      /EADDRINUSE/,
    );
    await first.shutdown(1000);
  });
});

describe("shutdown", () => {
  it("lets an in-flight request finish, then closes its keep-alive connection at once", async () => {
    const { promise: requestArrived, resolve: arrive } = Promise.withResolvers<void>();
    const { promise: released, resolve: release } = Promise.withResolvers<void>();
    const running = await listen(
      async (_req, res) => {
        arrive();
        await released;
        res.end("done");
      },
      0,
      "127.0.0.1",
    );

    // fetch keeps the connection alive after the response, as browsers and proxies do.
    const response = fetch(urlOf(running));
    await requestArrived;
    const stopped = running.shutdown(5000);
    expect(running.server.listening).toBe(false);

    release();
    expect(await (await response).text()).toBe("done");
    const started = performance.now();
    expect(await stopped).toBe(true);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("closes idle keep-alive connections at once", async () => {
    const running = await listen((_req, res) => res.end("done"), 0, "127.0.0.1");
    expect(await (await fetch(urlOf(running))).text()).toBe("done");

    const started = performance.now();
    expect(await running.shutdown(5000)).toBe(true);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it.each([
    ["half-sent headers", halfSentHeaders],
    ["a half-sent body", halfSentBody],
  ])("closes a connection with %s at once", async (_, data) => {
    const running = await listen(answerAfterBody, 0, "127.0.0.1");
    const client = await stallingClient(running, data);
    const clientClosed = once(client, "close");

    const started = performance.now();
    expect(await running.shutdown(5000)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
    await clientClosed;
  });

  it("answers a 300 ms handler in full while stalling clients are dropped", async () => {
    const { promise: slowArrived, resolve: arrive } = Promise.withResolvers<void>();
    const running = await listen(
      async (req, res) => {
        if (req.url === "/slow") {
          arrive();
          await sleep(300);
        }
        answerAfterBody(req, res);
      },
      0,
      "127.0.0.1",
    );
    await stallingClient(running, halfSentHeaders);
    await stallingClient(running, halfSentBody);
    const response = fetch(`${urlOf(running)}slow`);
    await slowArrived;

    const started = performance.now();
    expect(await running.shutdown(5000)).toBe(true);
    const elapsed = performance.now() - started;
    expect(await (await response).text()).toBe("done");
    expect(elapsed).toBeGreaterThan(200);
    expect(elapsed).toBeLessThan(1000);
  });

  it("cuts requests still running after the timeout and reports it", async () => {
    const { promise: requestArrived, resolve: arrive } = Promise.withResolvers<void>();
    const running = await listen(() => arrive(), 0, "127.0.0.1");
    const response = fetch(urlOf(running));
    await requestArrived;

    expect(await running.shutdown(100)).toBe(false);
    await expect(response).rejects.toThrow();
  });
});
