import { once } from "node:events";
import { createServer, type RequestListener, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

export interface RunningServer {
  server: Server;
  /**
   * Stops accepting connections, closes every connection the app is not answering, and lets the
   * requests it is answering finish. Resolves `true` once every connection is closed, or `false`
   * after `timeoutMs`, when the requests still running are cut off.
   */
  shutdown(timeoutMs: number): Promise<boolean>;
}

/** Starts an HTTP server and resolves once it accepts connections (rejects on EADDRINUSE etc.). */
export async function listen(
  handler: RequestListener,
  port: number,
  host: string,
): Promise<RunningServer> {
  const server = createServer(handler);
  // Node's own connection list is not public, and the headersTimeout/requestTimeout checks that
  // would drop slow senders stop with server.close(): shutdown needs its own view of the sockets.
  const sockets = new Set<Socket>();
  const responses = new Set<ServerResponse>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("request", (_req, res) => {
    responses.add(res);
    res.once("close", () => responses.delete(res));
  });
  server.listen(port, host);
  await once(server, "listening");

  function shutdown(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const deadline = setTimeout(() => {
        server.closeAllConnections();
        resolve(false);
      }, timeoutMs);
      server.close(() => {
        clearTimeout(deadline);
        resolve(true);
      });

      // The app works on a request once it has arrived in full. A client still sending headers
      // or a body has nothing answered yet and can safely retry elsewhere, so it is not waited for
      // (this api reads bodies whole; an app that streams uploads would draw this line elsewhere).
      const answering = new Set<Socket>();
      for (const res of responses) {
        const { socket } = res;
        if (!socket || !res.req.complete) continue;
        answering.add(socket);
        // Otherwise the answered connection stays open for keep-alive and holds close().
        res.once("finish", () => socket.destroy());
      }
      for (const socket of sockets) {
        if (!answering.has(socket)) socket.destroy();
      }
    });
  }

  return { server, shutdown };
}
