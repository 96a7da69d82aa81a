import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { apiInfoSchema, apiPaths } from "@repo/shared";
import { afterEach, describe, expect, it } from "vitest";

const entry = fileURLToPath(new URL("./server.ts", import.meta.url));
const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

let running: ChildProcess | undefined;
afterEach(() => {
  running?.kill("SIGKILL");
  running = undefined;
});

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  probe.close();
  return port;
}

/** Starts the server entry and resolves once it logs that it listens. */
async function start(env: Record<string, string>) {
  const child = spawn(process.execPath, [entry], { env: { ...process.env, ...env } });
  running = child;
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  await expect.poll(() => stdout, { timeout: 10_000 }).toContain('"msg":"listening"');
  return child;
}

// Each test starts a Node.js process, which can take seconds on a loaded CI machine.
describe("server entry", { timeout: 15_000 }, () => {
  it("serves the api's own name and version", async () => {
    const port = await freePort();
    await start({ PORT: String(port), HOST: "127.0.0.1" });

    const info = apiInfoSchema.parse(
      await (await fetch(`http://127.0.0.1:${port}${apiPaths.info}`)).json(),
    );
    expect(info).toMatchObject({ name: manifest.name, version: manifest.version });
  });

  it("exits 0 within a second of SIGTERM, even with an open keep-alive connection", async () => {
    const port = await freePort();
    const child = await start({ PORT: String(port), HOST: "127.0.0.1" });
    await (await fetch(`http://127.0.0.1:${port}${apiPaths.health}`)).text();

    const started = performance.now();
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("exits 0 within a second of SIGTERM while clients stall mid-headers and mid-body", async () => {
    const port = await freePort();
    const child = await start({ PORT: String(port), HOST: "127.0.0.1" });
    const stalled = [
      "GET /api/info HTTP/1.1\r\nHost: 127.0.0.1\r\n",
      `POST ${apiPaths.messages} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        'Content-Length: 100\r\n\r\n{"author":',
    ].map((data) => {
      const socket = connect(port, "127.0.0.1");
      socket.write(data);
      return socket;
    });
    // The server must have read the partial requests before the signal to be held by them.
    await sleep(200);

    const started = performance.now();
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
    expect(performance.now() - started).toBeLessThan(1000);
    for (const socket of stalled) socket.destroy();
  });

  it("refuses a bad environment with a message instead of a stack trace", async () => {
    const child = spawn(process.execPath, [entry], { env: { ...process.env, PORT: "http" } });
    running = child;
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const [code] = await once(child, "exit");

    expect(code).toBe(1);
    expect(stderr).toContain("PORT must be a whole number from 1 to 65535");
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
