import { type LoaderFunctionArgs, useLoaderData } from "react-router";
import { getApiInfo } from "../api.ts";

export function homeLoader({ request }: LoaderFunctionArgs) {
  return getApiInfo(request.signal);
}

export function Home() {
  const info = useLoaderData<typeof homeLoader>();

  return (
    <>
      <h1>Home</h1>
      <p>This page is served as static files; the data below comes from the API through /api.</p>
      <h2>API</h2>
      <dl>
        <dt>Name</dt>
        <dd>{info.name}</dd>
        <dt>Version</dt>
        <dd>{info.version}</dd>
        <dt>Node.js</dt>
        <dd>{info.node}</dd>
      </dl>
    </>
  );
}
