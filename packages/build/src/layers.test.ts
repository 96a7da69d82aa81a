import { describe, expect, it } from "vitest";
import { type HistoryEntry, splitLayers } from "./layers.ts";

// Newest first, as the engine lists it: three base entries, then the api's runtime stage.
const apiHistory: HistoryEntry[] = [
  { CreatedBy: 'CMD ["node" "dist/server.js"]', Size: 0 },
  { CreatedBy: "USER 1000:1000", Size: 0 },
  { CreatedBy: "COPY /prod/api/dist/ ./dist/ # buildkit", Size: 40_000 },
  { CreatedBy: "COPY /prod/api/node_modules/ ./node_modules/ # buildkit", Size: 11_000_000 },
  { CreatedBy: "COPY /prod/api/package.json ./ # buildkit", Size: 900 },
  { CreatedBy: "WORKDIR /app", Size: 0 },
  { CreatedBy: '/bin/sh -c #(nop)  CMD ["node"]', Size: 0 },
  { CreatedBy: "/bin/sh -c #(nop) COPY dir:0a1b in /usr/local/", Size: 150_000_000 },
  { CreatedBy: "", Size: 120_000_000 },
];

describe("splitLayers", () => {
  it("counts the oldest entries as the base, node_modules copies as dependencies, the rest as app", () => {
    expect(splitLayers(apiHistory, 3, "node:24")).toEqual({
      runtimeBase: "node:24",
      baseBytes: 270_000_000,
      dependenciesBytes: 11_000_000,
      appBytes: 40_900,
    });
  });

  it("sums to the size of every layer", () => {
    const { baseBytes, dependenciesBytes, appBytes } = splitLayers(apiHistory, 3, "node:24");
    const total = apiHistory.reduce((sum, entry) => sum + entry.Size, 0);
    expect(baseBytes + dependenciesBytes + appBytes).toBe(total);
  });

  it("recognises the classic builder's record of a node_modules copy", () => {
    const history = [
      { CreatedBy: "/bin/sh -c #(nop) COPY dir:9f8e in /app/node_modules/ ", Size: 5 },
      { CreatedBy: "", Size: 100 },
    ];
    expect(splitLayers(history, 1, "base")).toMatchObject({ dependenciesBytes: 5, appBytes: 0 });
  });

  it("has no dependencies layer for an image without node_modules", () => {
    const web = [
      { CreatedBy: "COPY /repo/apps/web/dist/ /usr/share/nginx/html/ # buildkit", Size: 420_000 },
      {
        CreatedBy: "COPY docker/web/nginx/security-headers.conf /etc/nginx/ # buildkit",
        Size: 600,
      },
      { CreatedBy: "", Size: 155_000_000 },
    ];
    expect(splitLayers(web, 1, "nginx")).toEqual({
      runtimeBase: "nginx",
      baseBytes: 155_000_000,
      dependenciesBytes: 0,
      appBytes: 420_600,
    });
  });
});
