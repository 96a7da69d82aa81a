import { describe, expect, it } from "vitest";
import { configSchema } from "./config.ts";

describe("configSchema", () => {
  it("defaults to port 3000 on every interface", () => {
    expect(configSchema.parse({})).toEqual({ port: 3000, host: "0.0.0.0", logLevel: "info" });
  });

  it("reads PORT, HOST and LOG_LEVEL", () => {
    expect(configSchema.parse({ PORT: "8080", HOST: "::", LOG_LEVEL: "debug" })).toEqual({
      port: 8080,
      host: "::",
      logLevel: "debug",
    });
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

  it("rejects a HOST that is not an address or a host name", () => {
    const result = configSchema.safeParse({ HOST: "not a host" });
    expect(result.error?.issues[0]?.message).toBe("HOST must be an IP address or a host name");
  });

  it("rejects an unknown LOG_LEVEL", () => {
    const result = configSchema.safeParse({ LOG_LEVEL: "verbose" });
    expect(result.error?.issues[0]?.path).toEqual(["LOG_LEVEL"]);
  });
});
