import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { listen, shutdown } from "./lifecycle.ts";

function urlOf(server: Awaited<ReturnType<typeof listen>>): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe("listen", () => {
  it("rejects when the port is taken", async () => {
    const first = await listen((_req, res) => res.end(), 0, "127.0.0.1");
    const { port } = first.address() as AddressInfo;
    await expect(listen((_req, res) => res.end(), port, "127.0.0.1")).rejects.toThrow(/EADDRINUSE/);
    await shutdown(first, 1000);
  });
});

describe("shutdown", () => {
  it("lets an in-flight request finish, then closes its keep-alive connection at once", async () => {
    const { promise: requestArrived, resolve: arrive } = Promise.withResolvers<void>();
    const { promise: released, resolve: release } = Promise.withResolvers<void>();
    const server = await listen(
      async (_req, res) => {
        arrive();
        await released;
        res.end("done");
      },
      0,
      "127.0.0.1",
    );

    // fetch keeps the connection alive after the response, as browsers and proxies do.
    const response = fetch(urlOf(server));
    await requestArrived;
    const stopped = shutdown(server, 5000);
    expect(server.listening).toBe(false);

    release();
    expect(await (await response).text()).toBe("done");
    const started = performance.now();
    expect(await stopped).toBe(true);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("closes idle keep-alive connections at once", async () => {
    const server = await listen((_req, res) => res.end("done"), 0, "127.0.0.1");
    expect(await (await fetch(urlOf(server))).text()).toBe("done");

    const started = performance.now();
    expect(await shutdown(server, 5000)).toBe(true);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("cuts requests still running after the timeout and reports it", async () => {
    const { promise: requestArrived, resolve: arrive } = Promise.withResolvers<void>();
    const server = await listen(() => arrive(), 0, "127.0.0.1");
    const response = fetch(urlOf(server));
    await requestArrived;

    expect(await shutdown(server, 100)).toBe(false);
    await expect(response).rejects.toThrow();
  });
});
