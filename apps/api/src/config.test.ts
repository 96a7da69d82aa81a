import { describe, expect, it } from "vitest";
import { configSchema } from "./config.ts";

describe("configSchema", () => {
  it("defaults to port 3000 on every interface and a shutdown well inside Docker's 10 s", () => {
    expect(configSchema.parse({})).toEqual({
      port: 3000,
      host: "0.0.0.0",
      logLevel: "info",
      shutdownTimeoutMs: 5000,
    });
  });

  it("reads PORT, HOST, LOG_LEVEL and SHUTDOWN_TIMEOUT_MS", () => {
    expect(
      configSchema.parse({
        PORT: "8080",
        HOST: "::",
        LOG_LEVEL: "debug",
        SHUTDOWN_TIMEOUT_MS: "2500",
      }),
    ).toEqual({ port: 8080, host: "::", logLevel: "debug", shutdownTimeoutMs: 2500 });
    expect(configSchema.parse({ HOST: "localhost" }).host).toBe("localhost");
  });

  it.each(["", "0", "65536", "3000.5", "http"])(
    "rejects PORT=%j with a message naming it",
    (port) => {
      const result = configSchema.safeParse({ PORT: port });
      expect(result.error?.issues).toEqual([
        expect.objectContaining({
          path: ["PORT"],
          message: "PORT must be a whole number from 1 to 65535",
        }),
      ]);
    },
  );

  it.each(["", "0", "-1", "1.5", "5s", "3600001"])(
    "rejects SHUTDOWN_TIMEOUT_MS=%j with a message naming it",
    (timeout) => {
      const result = configSchema.safeParse({ SHUTDOWN_TIMEOUT_MS: timeout });
      expect(result.error?.issues).toEqual([
        expect.objectContaining({
          path: ["SHUTDOWN_TIMEOUT_MS"],
          message: "SHUTDOWN_TIMEOUT_MS must be a whole number of milliseconds from 1 to 3600000",
        }),
      ]);
    },
  );

  it("rejects a HOST that is not an address or a host name", () => {
    const result = configSchema.safeParse({ HOST: "not a host" });
    expect(result.error?.issues[0]?.message).toBe("HOST must be an IP address or a host name");
  });

  it("rejects an unknown LOG_LEVEL", () => {
    const result = configSchema.safeParse({ LOG_LEVEL: "verbose" });
    expect(result.error?.issues[0]?.path).toEqual(["LOG_LEVEL"]);
  });
});
