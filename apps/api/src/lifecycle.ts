import { once } from "node:events";
import { createServer, type RequestListener, type Server } from "node:http";

/** Starts an HTTP server and resolves once it accepts connections (rejects on EADDRINUSE etc.). */
export async function listen(
  handler: RequestListener,
  port: number,
  host: string,
): Promise<Server> {
  const server = createServer(handler);
  server.on("request", (_req, res) => {
    // A request still running at shutdown would leave its keep-alive connection open once answered,
    // holding close() until the client lets go; drop it as soon as the response is out.
    res.once("finish", () => {
      if (!server.listening) server.closeIdleConnections();
    });
  });
  server.listen(port, host);
  await once(server, "listening");
  return server;
}

/**
 * Stops accepting connections and lets in-flight requests finish. Resolves `true` once every
 * connection is closed, or `false` after `timeoutMs`, when the remaining connections are cut.
 */
export function shutdown(server: Server, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.closeAllConnections();
      resolve(false);
    }, timeoutMs);
    server.close(() => {
      clearTimeout(timer);
      resolve(true);
    });
    server.closeIdleConnections();
  });
}
