// The Docker HEALTHCHECK: the runtime images have no curl, but they have node.
import { apiPaths } from "@repo/shared";
import { readConfig } from "./config.ts";

const url = `http://127.0.0.1:${readConfig().port}${apiPaths.health}`;

try {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  if (!response.ok) {
    process.stderr.write(`unhealthy: GET ${url} answered ${response.status}\n`);
    process.exitCode = 1;
  }
} catch (error) {
  const reason = error instanceof Error ? (error.cause ?? error).toString() : String(error);
  process.stderr.write(`unhealthy: GET ${url} failed: ${reason}\n`);
  process.exitCode = 1;
}
