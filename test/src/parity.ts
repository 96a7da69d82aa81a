import { createHash } from "node:crypto";
import type { AppName } from "@repo/build";
import { apiPaths, messagePath, messageSchema } from "@repo/shared";
import { expect, it } from "vitest";
import { appFiles, differences, digestOf } from "./app-files.ts";
import type { RunningImage } from "./image-under-test.ts";
import { type RawRequest, type RawResponse, sendRaw } from "./web-http.ts";
import { readWebRoot } from "./web-root.ts";

/**
 * The approaches differ only in where the build ran: a client must not be able to tell which
 * image answers. Every request goes to each running image of an app, and each answer must equal
 * the first image's once the parts that differ by design are set aside.
 */

/** A response as a client sees it, reduced to what every approach must agree on. */
interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

function answerOf(
  response: RawResponse,
  perContainerHeaders: readonly string[],
  body: unknown,
): Answer {
  const headers = Object.fromEntries(
    Object.entries(response.headers).filter(([name]) => !perContainerHeaders.includes(name)),
  );
  return { status: response.status, headers, body };
}

const sha256 = (body: Buffer) => createHash("sha256").update(body).digest("hex");

/** Asks every image in turn and expects each answer to equal the first image's. */
async function expectSameAnswers(
  images: readonly (() => RunningImage)[],
  ask: (image: RunningImage) => Promise<unknown>,
): Promise<void> {
  const answers: { approach: string; answer: unknown }[] = [];
  for (const image of images) {
    answers.push({ approach: image().spec.approach, answer: await ask(image()) });
  }
  const [first, ...others] = answers;
  for (const other of others) {
    expect(other.answer, `${other.approach} vs ${first?.approach}`).toEqual(first?.answer);
  }
}

/**
 * When the answer was sent, and the validators nginx derives from a file's mtime: each approach
 * copies the bundle into its image at another time.
 */
const webPerContainerHeaders = ["date", "etag", "last-modified"];

function webParityTests(images: readonly (() => RunningImage)[]): void {
  it("serve the same index.html in every approach, byte for byte, with the same headers", async () => {
    await expectSameAnswers(images, async ({ baseUrl }) => {
      const response = await sendRaw(baseUrl, "/");
      return answerOf(response, webPerContainerHeaders, response.body.toString("utf8"));
    });
  });

  // Every file of the bundle, not only those index.html names: a lazily loaded chunk or a file
  // from public/ that one approach lacks breaks the app just the same.
  it("serve the same assets in every approach, each byte for byte with the same headers", async () => {
    await expectSameAnswers(images, async ({ baseUrl, container }) => {
      const root = await readWebRoot(container);
      const paths = [...new Set([...root.references, ...root.files.keys()])].sort();
      const answers: Record<string, Answer> = {};
      for (const path of paths) {
        const response = await sendRaw(baseUrl, path);
        answers[path] = answerOf(response, webPerContainerHeaders, sha256(response.body));
      }
      return answers;
    });
  });
}

/**
 * When the answer was sent and the id each request is logged under; the ETag and length follow
 * the body, which is compared itself once its per-container fields are set aside.
 */
const apiPerContainerHeaders = ["date", "x-request-id", "etag", "content-length"];

const post = (contentType: string, body: string): RawRequest => ({
  method: "POST",
  headers: { "content-type": contentType },
  body,
});
const json = (value: unknown) => post("application/json", JSON.stringify(value));

/** One request of the api contract, the good and the bad ones; see api-serving.ts for each. */
const apiRequests: { name: string; path: string; request?: RawRequest }[] = [
  { name: "the health check", path: apiPaths.health },
  { name: "the api's name, version and Node version", path: apiPaths.info },
  { name: "HEAD of the api info", path: apiPaths.info, request: { method: "HEAD" } },
  {
    name: "a valid message",
    path: apiPaths.messages,
    request: json({ author: "Ada", text: "Same answer from every image" }),
  },
  { name: "an invalid message", path: apiPaths.messages, request: json({ author: " ", text: "" }) },
  {
    name: "malformed JSON",
    path: apiPaths.messages,
    request: post("application/json", '{"author": "Ada",'),
  },
  {
    name: "a body over the size limit",
    path: apiPaths.messages,
    request: json({ author: "Ada", text: "x".repeat(20_000) }),
  },
  {
    name: "a form instead of JSON",
    path: apiPaths.messages,
    request: post("application/x-www-form-urlencoded", "author=Ada&text=Hello"),
  },
  { name: "a message that does not exist", path: messagePath(999_999_999) },
  { name: "an unknown route", path: "/nope" },
  { name: "a method the path does not serve", path: messagePath(1), request: { method: "DELETE" } },
  { name: "a path parameter that does not decode", path: `${apiPaths.messages}/%E0%A4%A` },
];

/**
 * The answer with what each container assigns on its own set aside: a created message's id and
 * creation time depend on what that container was asked before.
 */
function apiAnswer(response: RawResponse): Answer {
  const text = response.body.toString("utf8");
  const isJson = /^application\/json\b/.test(response.headers["content-type"] ?? "");
  const answer = answerOf(
    response,
    apiPerContainerHeaders,
    isJson && text ? JSON.parse(text) : text,
  );
  const message = messageSchema.safeParse(answer.body);
  if (message.success) {
    const { id, createdAt: _createdAt, ...content } = message.data;
    answer.body = content;
    if (answer.headers.location === messagePath(id)) {
      answer.headers.location = `${apiPaths.messages}/:id`;
    }
  }
  return answer;
}

function apiParityTests(images: readonly (() => RunningImage)[]): void {
  it.each(apiRequests)("answer $name identically in every approach", async ({ path, request }) => {
    await expectSameAnswers(images, async ({ baseUrl }) =>
      apiAnswer(await sendRaw(baseUrl, path, request)),
    );
  });

  it("serve a created message back from its Location identically in every approach", async () => {
    await expectSameAnswers(images, async ({ baseUrl }) => {
      const created = await sendRaw(
        baseUrl,
        apiPaths.messages,
        json({ author: "Grace", text: "Read me back" }),
      );
      const location = created.headers.location;
      expect(created.status).toBe(201);
      expect(location).toMatch(new RegExp(`^${apiPaths.messages}/\\d+$`));
      return apiAnswer(await sendRaw(baseUrl, location ?? ""));
    });
  });
}

const parityTestsOf: Record<AppName, (images: readonly (() => RunningImage)[]) => void> = {
  web: webParityTests,
  api: apiParityTests,
};

/**
 * Tests that every approach of `app` answers like the first one. Each accessor must return an
 * image that runs for the whole enclosing suite.
 */
export function parityTests(app: AppName, images: readonly (() => RunningImage)[]): void {
  if (images.length < 2) {
    throw new Error(
      `Parity compares the approaches of ${app}: it needs at least two running images, got ${images.length}.`,
    );
  }
  parityTestsOf[app](images);

  // What a client sees follows from what the images hold: the approaches differ in where the build
  // ran, so the files they ship under the app's root must be the same, owner and mode included.
  it("ship the same application files in every approach", async () => {
    const [first, ...others] = await Promise.all(
      images.map(async (image) => {
        const { spec, container } = image();
        return { spec, files: await appFiles(container, spec.appRoot) };
      }),
    );
    if (!first) throw new Error(`No running image of ${app}.`);
    console.log(
      `[${app}] ${first.files.size} entries under ${first.spec.appRoot} in ${first.spec.image}, ` +
        `sha256 ${digestOf(first.files)}`,
    );
    expect(first.files.size, `entries under ${first.spec.appRoot}`).toBeGreaterThan(0);
    for (const other of others) {
      expect(
        differences(first.files, other.files),
        `${other.spec.image} vs ${first.spec.image}`,
      ).toEqual([]);
    }
  });
}
