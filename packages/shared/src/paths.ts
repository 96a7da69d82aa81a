/** Every HTTP path the api serves; the api, the web app and the image tests all read them here. */
export const apiPaths = {
  health: "/health",
  info: "/api/info",
  messages: "/api/messages",
} as const;

/**
 * The path of one message.
 *
 * @example messagePath(7) // "/api/messages/7"
 */
export function messagePath(id: number): string {
  return `${apiPaths.messages}/${id}`;
}
