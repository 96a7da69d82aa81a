import { isRouteErrorResponse, useRevalidator, useRouteError } from "react-router";

function summarize(error: unknown): string {
  if (isRouteErrorResponse(error)) return `${error.status} ${error.statusText}`;
  if (error instanceof Error) return error.message;
  return String(error);
}

export function RouteError() {
  const error = useRouteError();
  const revalidator = useRevalidator();

  return (
    <section role="alert" aria-labelledby="route-error-heading">
      <h1 id="route-error-heading">Something went wrong</h1>
      <p>{summarize(error)}</p>
      <p>
        Check that the API is running and reachable under /api, then{" "}
        <button type="button" onClick={() => revalidator.revalidate()}>
          try again
        </button>
        .
      </p>
    </section>
  );
}
