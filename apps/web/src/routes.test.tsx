import type { ApiError, ApiInfo, Message } from "@repo/shared";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { createMemoryRouter } from "react-router";
import { RouterProvider } from "react-router/dom";
import { describe, expect, it, vi } from "vitest";
import { routes } from "./routes.tsx";

const info: ApiInfo = { name: "@repo/api", version: "1.2.3", node: "v24.9.0" };
const ada: Message = { id: 1, author: "Ada", text: "Hello", createdAt: "2025-01-02T03:04:05.000Z" };
const linus: Message = {
  id: 2,
  author: "Linus",
  text: "Hi",
  createdAt: "2025-01-03T03:04:05.000Z",
};

type Reply = (init: RequestInit | undefined) => Response;

/** Answers fetch from a table of "METHOD /path" entries; anything else fails the test. */
function stubApi(replies: Record<string, Reply>) {
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const key = `${init?.method ?? "GET"} ${String(input)}`;
    const reply = replies[key];
    if (!reply) throw new Error(`Unexpected request: ${key}`);
    return reply(init);
  });
  vi.stubGlobal("fetch", fetch);
  return fetch;
}

function renderAt(path: string) {
  render(<RouterProvider router={createMemoryRouter(routes, { initialEntries: [path] })} />);
}

function postsTo(fetch: ReturnType<typeof stubApi>) {
  return fetch.mock.calls.filter(([, init]) => init?.method === "POST");
}

describe("home", () => {
  it("shows what /api/info reports", async () => {
    const fetch = stubApi({ "GET /api/info": () => Response.json(info) });
    renderAt("/");

    expect(await screen.findByText("1.2.3")).toBeTruthy();
    expect(screen.getByText("@repo/api")).toBeTruthy();
    expect(screen.getByText("v24.9.0")).toBeTruthy();
    expect(fetch).toHaveBeenCalledWith("/api/info", expect.anything());
  });

  it("explains what to do when the API fails", async () => {
    stubApi({ "GET /api/info": () => new Response("Bad Gateway", { status: 502 }) });
    renderAt("/");

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The API answered /api/info with HTTP 502.");
    expect(alert.textContent).toContain("Check that the API is running");
    expect(screen.getByRole("navigation", { name: "Main" })).toBeTruthy();
  });

  it("rejects an answer that breaks the contract", async () => {
    stubApi({ "GET /api/info": () => Response.json({ name: "@repo/api" }) });
    renderAt("/");

    expect((await screen.findByRole("alert")).textContent).toContain("does not match the contract");
  });
});

describe("messages", () => {
  it("lists every message with a link to its page", async () => {
    stubApi({ "GET /api/messages": () => Response.json([ada, linus]) });
    renderAt("/messages");

    const list = await screen.findByRole("list", { name: "Messages" });
    const links = within(list).getAllByRole("link");
    expect(links.map((link) => [link.textContent, link.getAttribute("href")])).toEqual([
      ["Ada", "/messages/1"],
      ["Linus", "/messages/2"],
    ]);
  });

  it("shows one message beside the list", async () => {
    stubApi({
      "GET /api/messages": () => Response.json([ada, linus]),
      "GET /api/messages/2": () => Response.json(linus),
    });
    renderAt("/messages/2");

    const article = await screen.findByRole("article", { name: "Message #2" });
    expect(article.textContent).toContain("Hi");
    expect(article.querySelector("time")?.getAttribute("dateTime")).toBe(linus.createdAt);
    expect(screen.getByRole("list", { name: "Messages" })).toBeTruthy();
  });

  it("shows a not-found view for a message the API does not have", async () => {
    const missing: ApiError = { error: { code: "not_found", message: "No message 99." } };
    stubApi({
      "GET /api/messages": () => Response.json([ada]),
      "GET /api/messages/99": () => Response.json(missing, { status: 404 }),
    });
    renderAt("/messages/99");

    expect(await screen.findByRole("heading", { name: "Message not found" })).toBeTruthy();
    expect(screen.getByRole("list", { name: "Messages" })).toBeTruthy();
  });

  it("treats an id that cannot exist as not found without asking the API", async () => {
    const fetch = stubApi({ "GET /api/messages": () => Response.json([ada]) });
    renderAt("/messages/abc");

    expect(await screen.findByRole("heading", { name: "Message not found" })).toBeTruthy();
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});

describe("posting a message", () => {
  it("shows the schema's problems for empty input and sends nothing", async () => {
    const fetch = stubApi({ "GET /api/messages": () => Response.json([]) });
    renderAt("/messages");

    fireEvent.click(await screen.findByRole("button", { name: "Post" }));

    expect(await screen.findByText("Author is required: give a name.")).toBeTruthy();
    expect(screen.getByText("Text is required: write a message.")).toBeTruthy();
    expect(screen.getByLabelText("Author").getAttribute("aria-invalid")).toBe("true");
    expect(postsTo(fetch)).toEqual([]);
  });

  it("posts valid input and shows the message in the refreshed list", async () => {
    let stored: Message[] = [ada];
    const fetch = stubApi({
      "GET /api/messages": () => Response.json(stored),
      "POST /api/messages": () => {
        stored = [...stored, linus];
        return Response.json(linus, { status: 201 });
      },
    });
    renderAt("/messages");

    fireEvent.change(await screen.findByLabelText("Author"), { target: { value: " Linus " } });
    fireEvent.change(screen.getByLabelText("Text"), { target: { value: "Hi" } });
    fireEvent.click(screen.getByRole("button", { name: "Post" }));

    expect(await screen.findByRole("link", { name: "message #2" })).toBeTruthy();
    expect(within(screen.getByRole("list", { name: "Messages" })).getByText("Linus")).toBeTruthy();
    expect(postsTo(fetch).map(([, init]) => JSON.parse(String(init?.body)))).toEqual([
      { author: "Linus", text: "Hi" },
    ]);
    await waitFor(() =>
      expect((screen.getByLabelText("Author") as HTMLInputElement).value).toBe(""),
    );
  });

  it("shows the API's validation problems next to their fields", async () => {
    const rejected: ApiError = {
      error: {
        code: "invalid_body",
        message: "The message is invalid.",
        details: [{ path: "text", message: "Text must not repeat the last message." }],
      },
    };
    stubApi({
      "GET /api/messages": () => Response.json([ada]),
      "POST /api/messages": () => Response.json(rejected, { status: 400 }),
    });
    renderAt("/messages");

    fireEvent.change(await screen.findByLabelText("Author"), { target: { value: "Ada" } });
    fireEvent.change(screen.getByLabelText("Text"), { target: { value: "Hello" } });
    fireEvent.click(screen.getByRole("button", { name: "Post" }));

    const problem = await screen.findByText("Text must not repeat the last message.");
    expect(screen.getByLabelText("Text").getAttribute("aria-describedby")).toBe(problem.id);
  });
});

it("shows a not-found page for any other path", async () => {
  const fetch = stubApi({});
  renderAt("/no/such/page");

  expect(await screen.findByRole("heading", { name: "Page not found" })).toBeTruthy();
  expect(screen.getByText("/no/such/page")).toBeTruthy();
  expect(fetch).not.toHaveBeenCalled();
});
