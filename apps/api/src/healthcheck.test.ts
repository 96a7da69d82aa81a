import { execFile } from "node:child_process";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { apiPaths } from "@repo/shared";
import { describe, expect, it } from "vitest";
import { listen } from "./lifecycle.ts";

const healthcheck = fileURLToPath(new URL("./healthcheck.ts", import.meta.url));

/** Runs the healthcheck script against `port` and returns its exit code and stderr. */
async function check(port: number): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await promisify(execFile)(process.execPath, [healthcheck], {
      env: { ...process.env, PORT: String(port) },
    });
    return { code: 0, stderr };
  } catch (error) {
    const { code, stderr } = error as { code: number; stderr: string };
    return { code, stderr };
  }
}

async function serveHealth(status: number) {
  const requested: string[] = [];
  const { server, shutdown } = await listen(
    (req, res) => {
      requested.push(req.url ?? "");
      res.writeHead(status).end();
    },
    0,
    "127.0.0.1",
  );
  return { shutdown, requested, port: (server.address() as AddressInfo).port };
}

// Each test starts a Node.js process, which can take seconds on a loaded CI machine.
describe("healthcheck", { timeout: 15_000 }, () => {
  it("exits 0 when the health path answers 2xx", async () => {
    const { shutdown, requested, port } = await serveHealth(200);
    expect(await check(port)).toEqual({ code: 0, stderr: "" });
    expect(requested).toEqual([apiPaths.health]);
    await shutdown(1000);
  });

  it("exits 1 and says why when the health path answers an error", async () => {
    const { shutdown, port } = await serveHealth(503);
    const result = await check(port);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${apiPaths.health} answered 503`);
    await shutdown(1000);
  });

  it("exits 1 and says why when nothing listens", async () => {
    const { shutdown, port } = await serveHealth(200);
    await shutdown(1000);
    const result = await check(port);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("ECONNREFUSED");
  });
});
