import { z } from "zod";

const portMessage = "PORT must be a whole number from 1 to 65535";
const shutdownTimeoutMessage =
  "SHUTDOWN_TIMEOUT_MS must be a whole number of milliseconds from 1 to 3600000";

export const configSchema = z
  .object({
    PORT: z.coerce
      .number({ error: portMessage })
      .int(portMessage)
      .min(1, portMessage)
      .max(65535, portMessage)
      .default(3000),
    HOST: z
      .union([z.ipv4(), z.ipv6(), z.hostname()], {
        error: "HOST must be an IP address or a host name",
      })
      .default("0.0.0.0"),
    LOG_LEVEL: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info"),
    // How long requests still running at SIGTERM may take. Keep it well under the orchestrator's
    // grace period before SIGKILL (Docker: 10 s, Kubernetes: 30 s), so a cut-off is logged and
    // exits 1 instead of dying silently.
    SHUTDOWN_TIMEOUT_MS: z.coerce
      .number({ error: shutdownTimeoutMessage })
      .int(shutdownTimeoutMessage)
      .min(1, shutdownTimeoutMessage)
      .max(3_600_000, shutdownTimeoutMessage)
      .default(5000),
  })
  .transform((env) => ({
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
  }));

export type Config = z.infer<typeof configSchema>;

/** The api's settings from the environment; on a bad value it says which one and exits. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(env);
  if (result.success) return result.data;
  process.stderr.write(
    `The api cannot start: the environment has invalid values.\n${z.prettifyError(result.error)}\n` +
      "Fix or unset them and start it again.\n",
  );
  process.exit(1);
}
