import { messageSchema } from "@repo/shared";
import { describe, expect, it } from "vitest";
import { createMessageStore, welcomeMessage } from "./store.ts";

describe("createMessageStore", () => {
  it("starts with the welcome message as message 1", async () => {
    const store = createMessageStore();
    expect(await store.get(1)).toMatchObject({ id: 1, ...welcomeMessage });
    expect(await store.list()).toHaveLength(1);
  });

  it("numbers new messages in order and stamps them", async () => {
    const store = createMessageStore({ seed: [] });
    const first = await store.add({ author: "Ada", text: "one" });
    const second = await store.add({ author: "Bo", text: "two" });

    expect([first.id, second.id]).toEqual([1, 2]);
    expect(messageSchema.parse(second)).toEqual(second);
    expect(await store.list()).toEqual([first, second]);
    expect(await store.get(3)).toBeUndefined();
  });

  it("drops the oldest messages beyond its capacity", async () => {
    const store = createMessageStore({ capacity: 2 });
    await store.add({ author: "Ada", text: "one" });
    await store.add({ author: "Bo", text: "two" });

    expect((await store.list()).map((message) => message.id)).toEqual([2, 3]);
    expect(await store.get(1)).toBeUndefined();
  });
});
