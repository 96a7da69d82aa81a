import {
  type ApiError,
  type ApiInfo,
  apiErrorSchema,
  apiInfoSchema,
  apiPaths,
  type Message,
  type MessageInput,
  messageListSchema,
  messagePath,
  messageSchema,
} from "@repo/shared";

type Schema<T> = { safeParse(value: unknown): { success: true; data: T } | { success: false } };

/** The API answered with an error status; `apiError` is its body when that follows the contract. */
export class ApiResponseError extends Error {
  readonly status: number;
  readonly apiError: ApiError | undefined;

  constructor(path: string, status: number, apiError: ApiError | undefined) {
    super(apiError?.error.message ?? `The API answered ${path} with HTTP ${status}.`);
    this.name = "ApiResponseError";
    this.status = status;
    this.apiError = apiError;
  }
}

// Paths stay relative: the server in front of the bundle (Vite in development, nginx in the image)
// decides where /api goes, so the bundle works against any API address.
async function requestJson<T>(path: string, schema: Schema<T>, init: RequestInit): Promise<T> {
  const response = await fetch(path, init);
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const apiError = apiErrorSchema.safeParse(body);
    throw new ApiResponseError(path, response.status, apiError.success ? apiError.data : undefined);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new Error(
      `The API's answer to ${path} does not match the contract in @repo/shared; deploy the web app and the API from the same version.`,
    );
  }
  return parsed.data;
}

export function getApiInfo(signal: AbortSignal): Promise<ApiInfo> {
  return requestJson(apiPaths.info, apiInfoSchema, { signal });
}

export function listMessages(signal: AbortSignal): Promise<Message[]> {
  return requestJson(apiPaths.messages, messageListSchema, { signal });
}

export function getMessage(id: number, signal: AbortSignal): Promise<Message> {
  return requestJson(messagePath(id), messageSchema, { signal });
}

export function createMessage(input: MessageInput, signal: AbortSignal): Promise<Message> {
  return requestJson(apiPaths.messages, messageSchema, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(input),
    signal,
  });
}
