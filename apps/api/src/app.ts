import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type ApiError,
  type ApiInfo,
  apiPaths,
  type Health,
  messageInputSchema,
  messagePath,
} from "@repo/shared";
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from "express";
import helmet from "helmet";
import type { Logger } from "pino";
import { pinoHttp } from "pino-http";
import { z } from "zod";
import type { MessageStore } from "./store.ts";

export interface AppOptions {
  logger: Logger;
  store: MessageStore;
  /** Served by /api/info. */
  name: string;
  version: string;
  /** Largest accepted request body, in bytes or as "16kb". */
  bodyLimit?: number | string;
}

// A caller's id is trusted only when it looks like one: it is copied into every log line and
// echoed back to the client.
const requestIdPattern = /^[\w.:-]{1,128}$/;

function requestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers["x-request-id"];
  const id =
    typeof incoming === "string" && requestIdPattern.test(incoming) ? incoming : randomUUID();
  res.setHeader("x-request-id", id);
  return id;
}

// Only the canonical spelling names a message: "01" or "1.0" would otherwise find message 1 too.
const messageIdParam = z
  .string()
  .regex(/^[1-9]\d{0,15}$/)
  .transform(Number);

/** Every `error.code` the api answers with: clients branch on the code, the message is for people. */
type ErrorCode =
  | "bad_request" // 400: the request is malformed in another way (the message says how)
  | "invalid_json" // 400: the body does not parse as JSON
  | "invalid_message" // 400: the body is JSON but not a valid message; `details` names each field
  | "not_found" // 404: nothing is served at this method and path
  | "message_not_found" // 404: no message has this id
  | "payload_too_large" // 413: the body is over the size limit
  | "unsupported_media_type" // 415: the body is not JSON, or not in UTF-8
  | "internal_error"; // 500: the api failed; the cause is logged, never sent

function sendError(
  res: express.Response,
  status: number,
  error: ApiError["error"] & { code: ErrorCode },
): void {
  res.status(status).json({ error } satisfies ApiError);
}

const requireJson: RequestHandler = (req, res, next) => {
  if (req.is("application/json")) return next();
  sendError(res, 415, {
    code: "unsupported_media_type",
    message: "The request body must be JSON: send it with Content-Type: application/json.",
  });
};

const notFound: RequestHandler = (req, res) => {
  sendError(res, 404, {
    code: "not_found",
    message: `Nothing is served at ${req.method} ${req.path}; check the method and the path.`,
  });
};

/** Errors thrown by express.json() carry an http-errors status, a `type` and, for 413, the `limit`. */
function isClientError(
  error: unknown,
): error is Error & { status: number; type?: string; limit?: number } {
  return (
    error instanceof Error &&
    "status" in error &&
    typeof error.status === "number" &&
    error.status >= 400 &&
    error.status < 500
  );
}

const handleError: ErrorRequestHandler = (error, _req, res, next) => {
  if (res.headersSent) return next(error);
  if (isClientError(error)) {
    switch (error.type) {
      case "entity.parse.failed":
        return sendError(res, 400, {
          code: "invalid_json",
          message: "The request body is not valid JSON; fix it and retry.",
        });
      case "entity.too.large":
        return sendError(res, 413, {
          code: "payload_too_large",
          message: `The request body is over the api's limit of ${error.limit} bytes; send a shorter message.`,
        });
      default: {
        return sendError(res, error.status, {
          code: error.status === 415 ? "unsupported_media_type" : "bad_request",
          message: `The request was rejected (${error.message}); fix it and retry.`,
        });
      }
    }
  }
  // pino-http logs this with the request line; the client never sees the stack.
  res.err = error;
  sendError(res, 500, {
    code: "internal_error",
    message:
      "The api failed to handle this request; retry, and report the x-request-id if it keeps failing.",
  });
};

/**
 * The api as an Express app, without a port: the server entry listens, tests call it with supertest.
 *
 * @example
 * const app = createApp({ logger: pino(), store: createMessageStore(), name: "api", version: "1.0.0" });
 */
export function createApp({
  logger,
  store,
  name,
  version,
  bodyLimit = "16kb",
}: AppOptions): Express {
  const app = express();
  app.disable("x-powered-by");
  app.use(
    pinoHttp({
      logger,
      genReqId: requestId,
      customLogLevel: (req, res, error) => {
        if (error || res.statusCode >= 500) return "error";
        if (res.statusCode >= 400) return "warn";
        // The container's HEALTHCHECK asks every few seconds; only a failing check is news.
        return req.url === apiPaths.health ? "silent" : "info";
      },
      redact: ["req.headers.authorization", "req.headers.cookie"],
      // Response headers are the same on every line (helmet's) and would drown the useful fields.
      serializers: { res: ({ statusCode }: { statusCode: number }) => ({ statusCode }) },
    }),
  );
  app.use(helmet());

  app.get(apiPaths.health, (_req, res) => {
    res.json({ status: "ok" } satisfies Health);
  });

  app.get(apiPaths.info, (_req, res) => {
    res.json({ name, version, node: process.version } satisfies ApiInfo);
  });

  app.get(apiPaths.messages, async (_req, res) => {
    res.json(await store.list());
  });

  app.get(`${apiPaths.messages}/:id`, async (req, res) => {
    const id = messageIdParam.safeParse(req.params.id);
    const message = id.success ? await store.get(id.data) : undefined;
    if (!message) {
      return sendError(res, 404, {
        code: "message_not_found",
        message: `There is no message ${req.params.id}; list the messages at ${apiPaths.messages}.`,
      });
    }
    res.json(message);
  });

  // strict: false lets JSON that is not an object (`null`, `"text"`) through to the schema, which
  // rejects it as an invalid message instead of calling it malformed JSON.
  const jsonBody = express.json({ limit: bodyLimit, strict: false });

  app.post(apiPaths.messages, requireJson, jsonBody, async (req, res) => {
    const input = messageInputSchema.safeParse(req.body);
    if (!input.success) {
      return sendError(res, 400, {
        code: "invalid_message",
        message: "The message is invalid; fix the fields listed in details and retry.",
        details: input.error.issues.map((issue) => ({
          path: issue.path.map(String).join("."),
          message: issue.message,
        })),
      });
    }
    const message = await store.add(input.data);
    res.status(201).location(messagePath(message.id)).json(message);
  });

  app.use(notFound);
  app.use(handleError);
  return app;
}
