import {
  data,
  isRouteErrorResponse,
  type LoaderFunctionArgs,
  useLoaderData,
  useParams,
  useRouteError,
} from "react-router";
import { ApiResponseError, getMessage } from "../api.ts";
import { RouteError } from "./route-error.tsx";

const createdAtFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: "medium",
  timeStyle: "short",
});

export async function messageLoader({ params, request }: LoaderFunctionArgs) {
  const id = Number(params.id);
  // Ids are positive integers: anything else cannot exist, so it is not worth a request.
  if (!Number.isSafeInteger(id) || id < 1) throw data(null, 404);
  try {
    return await getMessage(id, request.signal);
  } catch (error) {
    if (error instanceof ApiResponseError && error.status === 404) throw data(null, 404);
    throw error;
  }
}

export function MessageDetail() {
  const message = useLoaderData<typeof messageLoader>();

  return (
    <article aria-labelledby="message-heading">
      <h2 id="message-heading">Message #{message.id}</h2>
      <p>{message.text}</p>
      <p className="byline">
        {message.author},{" "}
        <time dateTime={message.createdAt}>
          {createdAtFormat.format(new Date(message.createdAt))}
        </time>
      </p>
    </article>
  );
}

export function MessageError() {
  const error = useRouteError();
  const { id } = useParams();

  if (!isRouteErrorResponse(error) || error.status !== 404) return <RouteError />;
  return (
    <section aria-labelledby="message-heading">
      <h2 id="message-heading">Message not found</h2>
      <p>There is no message “{id}”. Pick one from the list, or post a new one.</p>
    </section>
  );
}
