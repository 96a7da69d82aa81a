import type { Message, MessageInput } from "@repo/shared";

/** Where messages live; async so a database can stand in without touching the routes. */
export interface MessageStore {
  list(): Promise<Message[]>;
  get(id: number): Promise<Message | undefined>;
  add(input: MessageInput): Promise<Message>;
}

export const welcomeMessage: MessageInput = {
  author: "api",
  text: "Welcome! Post a message to see it here.",
};

/**
 * Keeps messages in memory, oldest first. Beyond `capacity` the oldest are dropped, so a stream of
 * posts cannot exhaust the process's memory.
 */
export function createMessageStore({
  seed = [welcomeMessage],
  capacity = 1000,
}: {
  seed?: MessageInput[];
  capacity?: number;
} = {}): MessageStore {
  const messages = new Map<number, Message>();
  let lastId = 0;

  function add(input: MessageInput): Message {
    lastId += 1;
    const message = { id: lastId, ...input, createdAt: new Date().toISOString() };
    messages.set(message.id, message);
    if (messages.size > capacity) messages.delete(lastId - capacity);
    return message;
  }

  for (const input of seed) add(input);

  return {
    list: async () => [...messages.values()],
    get: async (id) => messages.get(id),
    add: async (input) => add(input),
  };
}
