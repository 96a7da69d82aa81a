import { once } from "node:events";
import { type IncomingHttpHeaders, type IncomingMessage, request } from "node:http";
import { buffer } from "node:stream/consumers";

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** As sent: still compressed when the server compressed it; empty for HEAD. */
  body: Buffer;
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * Sends one request with its path exactly as given. fetch() would first normalise the URL —
 * resolving `..`, `%2e%2e` and backslashes — and add an Accept-Encoding of its own, so it cannot
 * send what the path-traversal and compression tests must send.
 */
export async function sendRaw(
  baseUrl: string,
  path: string,
  { method = "GET", headers = {}, body }: RawRequest = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  const sent = request({ hostname, port, path, method, headers, agent: false });
  sent.end(body);
  const [response] = (await once(sent, "response")) as [IncomingMessage];
  return {
    status: response.statusCode ?? 0,
    headers: response.headers,
    body: await buffer(response),
  };
}
