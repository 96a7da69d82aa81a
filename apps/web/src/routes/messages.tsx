import { type ApiErrorDetail, messageInputSchema } from "@repo/shared";
import { useEffect, useId, useRef } from "react";
import {
  type ActionFunctionArgs,
  data,
  Link,
  type LoaderFunctionArgs,
  NavLink,
  Outlet,
  useFetcher,
  useLoaderData,
} from "react-router";
import { ApiResponseError, createMessage, listMessages } from "../api.ts";

/** The first problem of each field, by dotted path; "" holds problems with the message as a whole. */
type Problems = Record<string, string>;

function byPath(details: readonly ApiErrorDetail[]): Problems {
  const problems: Problems = {};
  for (const { path, message } of details) problems[path] ??= message;
  return problems;
}

export function messagesLoader({ request }: LoaderFunctionArgs) {
  return listMessages(request.signal);
}

export async function createMessageAction({ request }: ActionFunctionArgs) {
  const input = messageInputSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!input.success) {
    const details = input.error.issues.map((issue) => ({
      path: issue.path.map(String).join("."),
      message: issue.message,
    }));
    return data({ ok: false as const, problems: byPath(details) }, 400);
  }
  try {
    return { ok: true as const, message: await createMessage(input.data, request.signal) };
  } catch (error) {
    if (!(error instanceof ApiResponseError)) throw error;
    const details = error.apiError?.error.details ?? [{ path: "", message: error.message }];
    return data({ ok: false as const, problems: byPath(details) }, error.status);
  }
}

export function Messages() {
  const messages = useLoaderData<typeof messagesLoader>();

  return (
    <>
      <h1>Messages</h1>
      <div className="messages">
        {messages.length === 0 ? (
          <p>No messages yet: post the first one below.</p>
        ) : (
          <ol aria-label="Messages">
            {messages.map((message) => (
              <li key={message.id}>
                <NavLink to={String(message.id)}>{message.author}</NavLink>: {message.text}
              </li>
            ))}
          </ol>
        )}
        <Outlet />
      </div>
      <MessageForm />
    </>
  );
}

function MessageForm() {
  const fetcher = useFetcher<typeof createMessageAction>();
  const form = useRef<HTMLFormElement>(null);
  const result = fetcher.data;
  const problems = result?.ok === false ? result.problems : {};

  useEffect(() => {
    if (fetcher.state === "idle" && result?.ok) form.current?.reset();
  }, [fetcher.state, result]);

  return (
    // Schema errors replace the browser's own bubbles, so every rule and message comes from @repo/shared.
    <fetcher.Form method="post" ref={form} noValidate aria-labelledby="new-message-heading">
      <h2 id="new-message-heading">Post a message</h2>
      <Field name="author" label="Author" problem={problems.author} />
      <Field name="text" label="Text" problem={problems.text} multiline />
      {problems[""] && (
        <p role="alert" className="problem">
          {problems[""]}
        </p>
      )}
      <button type="submit" disabled={fetcher.state !== "idle"}>
        {fetcher.state === "submitting" ? "Posting…" : "Post"}
      </button>
      <p role="status">
        {result?.ok && (
          <>
            Posted <Link to={String(result.message.id)}>message #{result.message.id}</Link>.
          </>
        )}
      </p>
    </fetcher.Form>
  );
}

type FieldProps = { name: string; label: string; problem: string | undefined; multiline?: boolean };

function Field({ name, label, problem, multiline = false }: FieldProps) {
  const id = useId();
  const problemId = `${id}-problem`;
  const control = {
    id,
    name,
    "aria-invalid": problem !== undefined,
    "aria-describedby": problem === undefined ? undefined : problemId,
  };

  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {multiline ? <textarea rows={3} {...control} /> : <input {...control} />}
      {problem !== undefined && (
        <span id={problemId} className="problem">
          {problem}
        </span>
      )}
    </div>
  );
}
