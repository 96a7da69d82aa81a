import { pino } from "pino";
import { createApp } from "./app.ts";
import { readConfig } from "./config.ts";
import { listen } from "./lifecycle.ts";
import { readManifest } from "./manifest.ts";
import { createMessageStore } from "./store.ts";

const config = readConfig();
const logger = pino({ level: config.logLevel });
const app = createApp({ logger, store: createMessageStore(), ...readManifest() });

const { shutdown } = await listen(app, config.port, config.host).catch((error: unknown) => {
  logger.fatal(
    { err: error },
    `cannot listen on ${config.host}:${config.port}; free the port or set PORT/HOST to another one`,
  );
  process.exit(1);
});
logger.info({ host: config.host, port: config.port }, "listening");

async function stop(signal: NodeJS.Signals): Promise<void> {
  // A second signal gets Node's default handling and ends the process at once.
  process.off("SIGTERM", stop);
  process.off("SIGINT", stop);
  logger.info({ signal }, "shutting down");
  const drained = await shutdown(config.shutdownTimeoutMs);
  if (!drained) {
    logger.error(
      `requests still running after ${config.shutdownTimeoutMs} ms were cut off; if they need ` +
        "longer, raise SHUTDOWN_TIMEOUT_MS and the container's stop timeout with it",
    );
  }
  process.exit(drained ? 0 : 1);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
