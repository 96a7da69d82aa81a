import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createBrowserRouter } from "react-router";
import { RouterProvider } from "react-router/dom";
import { z } from "zod";
import { routes } from "./routes.tsx";
import "./styles.css";

// The web server's Content-Security-Policy forbids eval; without this, zod probes for it on the
// first parse and the browser logs the refusal.
z.config({ jitless: true });

const router = createBrowserRouter(routes);

const container = document.getElementById("root");
if (!container) {
  throw new Error("index.html has no element with id 'root' to render the app into; restore it.");
}

createRoot(container).render(
  <StrictMode>
    <RouterProvider router={router} />
  </StrictMode>,
);
