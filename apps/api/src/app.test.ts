import {
  apiErrorSchema,
  apiInfoSchema,
  apiPaths,
  healthSchema,
  messageListSchema,
  messagePath,
  messageSchema,
} from "@repo/shared";
import { pino } from "pino";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { createApp } from "./app.ts";
import { createMessageStore, type MessageStore, welcomeMessage } from "./store.ts";

interface RequestLogLine {
  level: number;
  msg: string;
  req: { id: string; headers: Record<string, string> };
  res: Record<string, unknown>;
  err?: { message: string; stack: string };
}

function setup(store: MessageStore = createMessageStore()) {
  const logLines: RequestLogLine[] = [];
  const logger = pino(
    { level: "info" },
    { write: (line: string) => logLines.push(JSON.parse(line)) },
  );
  const app = createApp({ logger, store, name: "@repo/api", version: "1.2.3" });
  return { app, logLines };
}

function expectApiError(response: request.Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.type).toBe("application/json");
  const body = apiErrorSchema.parse(response.body);
  expect(body.error.code).toBe(code);
  return body.error;
}

describe("GET /health", () => {
  it("answers ok", async () => {
    const response = await request(setup().app).get(apiPaths.health);
    expect(response.status).toBe(200);
    expect(healthSchema.parse(response.body)).toEqual({ status: "ok" });
  });
});

describe("GET /api/info", () => {
  it("names the api, its version and the Node.js version", async () => {
    const response = await request(setup().app).get(apiPaths.info);
    expect(response.status).toBe(200);
    expect(apiInfoSchema.parse(response.body)).toEqual({
      name: "@repo/api",
      version: "1.2.3",
      node: process.version,
    });
  });
});

describe("messages", () => {
  it("lists the welcome message first", async () => {
    const response = await request(setup().app).get(apiPaths.messages);
    expect(response.status).toBe(200);
    const messages = messageListSchema.parse(response.body);
    expect(messages).toEqual([expect.objectContaining({ id: 1, ...welcomeMessage })]);
  });

  it("serves one message by id", async () => {
    const response = await request(setup().app).get(messagePath(1));
    expect(response.status).toBe(200);
    expect(messageSchema.parse(response.body)).toMatchObject({ id: 1, ...welcomeMessage });
  });

  it.each(["999", "0", "abc", "1.0", "01"])("answers 404 for message id %s", async (id) => {
    const response = await request(setup().app).get(`${apiPaths.messages}/${id}`);
    const error = expectApiError(response, 404, "message_not_found");
    expect(error.message).toContain(apiPaths.messages);
  });

  it("creates a trimmed message, points at it and lists it", async () => {
    const { app } = setup();
    const response = await request(app)
      .post(apiPaths.messages)
      .send({ author: "  Ada ", text: " Hello " });

    expect(response.status).toBe(201);
    const created = messageSchema.parse(response.body);
    expect(created).toMatchObject({ id: 2, author: "Ada", text: "Hello" });
    expect(response.headers.location).toBe(messagePath(created.id));

    expect((await request(app).get(messagePath(created.id))).body).toEqual(created);
    expect((await request(app).get(apiPaths.messages)).body).toContainEqual(created);
  });

  it("rejects an invalid message with one detail per field", async () => {
    const { app } = setup();
    const response = await request(app).post(apiPaths.messages).send({ author: " ", text: 42 });

    const error = expectApiError(response, 400, "invalid_message");
    expect(error.details?.map((detail) => detail.path)).toEqual(["author", "text"]);
    expect(error.details?.[0]?.message).toBe("Author is required: give a name.");
    expect((await request(app).get(apiPaths.messages)).body).toHaveLength(1);
  });

  it.each(['["Ada", "Hello"]', "[]", "null", '"Ada: Hello"', "42"])(
    "rejects the JSON body %s, which is not an object, as an invalid message",
    async (body) => {
      const response = await request(setup().app)
        .post(apiPaths.messages)
        .set("content-type", "application/json")
        .send(body);
      const error = expectApiError(response, 400, "invalid_message");
      expect(error.details).toEqual([{ path: "", message: expect.stringContaining("object") }]);
    },
  );
});

describe("request errors", () => {
  it("answers malformed JSON with 400", async () => {
    const response = await request(setup().app)
      .post(apiPaths.messages)
      .set("content-type", "application/json")
      .send('{"author": "Ada",');
    expectApiError(response, 400, "invalid_json");
  });

  it("answers a body over the limit with 413 and names the limit", async () => {
    const response = await request(setup().app)
      .post(apiPaths.messages)
      .send({ author: "Ada", text: "x".repeat(20_000) });
    const error = expectApiError(response, 413, "payload_too_large");
    expect(error.message).toContain("16384 bytes");
  });

  it("honours a custom body limit", async () => {
    const app = createApp({
      logger: pino({ level: "silent" }),
      store: createMessageStore(),
      name: "@repo/api",
      version: "1.2.3",
      bodyLimit: 64,
    });
    const response = await request(app)
      .post(apiPaths.messages)
      .send({ author: "Ada", text: "x".repeat(100) });
    const error = expectApiError(response, 413, "payload_too_large");
    expect(error.message).toContain("64 bytes");
  });

  it.each([
    ["a form", "application/x-www-form-urlencoded", "author=Ada&text=Hello"],
    ["plain text", "text/plain", '{"author":"Ada","text":"Hello"}'],
  ])("answers %s with 415", async (_, contentType, body) => {
    const response = await request(setup().app)
      .post(apiPaths.messages)
      .set("content-type", contentType)
      .send(body);
    const error = expectApiError(response, 415, "unsupported_media_type");
    expect(error.message).toContain("application/json");
  });

  it("answers a JSON body in an unsupported charset with 415", async () => {
    const response = await request(setup().app)
      .post(apiPaths.messages)
      .set("content-type", "application/json; charset=latin-9")
      .send('{"author":"Ada","text":"Hello"}');
    const error = expectApiError(response, 415, "unsupported_media_type");
    expect(error.message).toContain("LATIN-9");
  });

  it.each([
    ["get", "/nope"],
    ["delete", messagePath(1)],
    ["put", apiPaths.messages],
  ] as const)("answers %s %s with a JSON 404", async (method, path) => {
    const response = await request(setup().app)[method](path);
    const error = expectApiError(response, 404, "not_found");
    expect(error.message).toContain(`${method.toUpperCase()} ${path}`);
  });

  it("answers a failing store with a 500 that hides the cause and logs it", async () => {
    const brokenStore: MessageStore = {
      ...createMessageStore(),
      list: () => Promise.reject(new Error("disk on fire")),
    };
    const { app, logLines } = setup(brokenStore);

    const response = await request(app).get(apiPaths.messages);

    expectApiError(response, 500, "internal_error");
    expect(response.text).not.toContain("disk on fire");
    expect(response.text).not.toMatch(/at .*\.ts/);
    const [line] = logLines;
    expect(line?.level).toBe(50);
    expect(line?.err?.message).toBe("disk on fire");
  });
});

describe("headers and logs", () => {
  it("sets helmet's security headers and hides Express", async () => {
    const response = await request(setup().app).get(apiPaths.health);
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    expect(response.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(response.headers).not.toHaveProperty("x-powered-by");
  });

  it("gives every request an id, echoes it and logs one line with it", async () => {
    const { app, logLines } = setup();
    const response = await request(app).get(apiPaths.info);

    const id = response.headers["x-request-id"];
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(logLines).toHaveLength(1);
    expect(logLines[0]).toMatchObject({
      msg: "request completed",
      req: { id },
      res: { statusCode: 200 },
    });
  });

  it("reuses a sane incoming request id", async () => {
    const { app, logLines } = setup();
    const response = await request(app).get(apiPaths.info).set("x-request-id", "edge-42.a:b_c");
    expect(response.headers["x-request-id"]).toBe("edge-42.a:b_c");
    expect(logLines[0]?.req.id).toBe("edge-42.a:b_c");
  });

  it.each([
    ["spaces and quotes", 'a "forged" id'],
    ["an overlong value", "a".repeat(129)],
  ])("replaces an incoming request id with %s", async (_, incoming) => {
    const response = await request(setup().app).get(apiPaths.health).set("x-request-id", incoming);
    expect(response.headers["x-request-id"]).not.toBe(incoming);
    expect(response.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("keeps credentials out of the logs", async () => {
    const { app, logLines } = setup();
    await request(app)
      .get(apiPaths.info)
      .set("authorization", "Bearer secret")
      .set("cookie", "s=1");
    const line = JSON.stringify(logLines);
    expect(line).not.toContain("secret");
    expect(line).not.toContain("s=1");
    expect(logLines[0]?.req.headers.authorization).toBe("[Redacted]");
  });

  it("leaves successful health checks out of the logs", async () => {
    const { app, logLines } = setup();
    const health = await request(app).get(apiPaths.health);
    expect(health.status).toBe(200);
    expect(health.headers["x-request-id"]).toBeDefined();
    expect(logLines).toEqual([]);

    await request(app).get(apiPaths.info);
    expect(logLines).toHaveLength(1);
  });
});
