import { z } from "zod";

/** What a client sends to create a message; surrounding whitespace is not part of it. */
export const messageInputSchema = z.object({
  author: z
    .string()
    .trim()
    .min(1, "Author is required: give a name.")
    .max(40, "Author is too long: use at most 40 characters."),
  text: z
    .string()
    .trim()
    .min(1, "Text is required: write a message.")
    .max(500, "Text is too long: use at most 500 characters."),
});

export const messageSchema = z.object({
  id: z.int().positive(),
  ...messageInputSchema.shape,
  createdAt: z.iso.datetime(),
});

export const messageListSchema = z.array(messageSchema);

export const apiInfoSchema = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  node: z.string().min(1),
});

export const healthSchema = z.object({ status: z.literal("ok") });

/** One field of a request body to fix; `path` is dotted (`"author"`, `"tags.0"`), empty for the body itself. */
export const apiErrorDetailSchema = z.object({ path: z.string(), message: z.string() });

/** The body of every error response. */
export const apiErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(apiErrorDetailSchema).optional(),
  }),
});

export type MessageInput = z.infer<typeof messageInputSchema>;
export type Message = z.infer<typeof messageSchema>;
export type MessageList = z.infer<typeof messageListSchema>;
export type ApiInfo = z.infer<typeof apiInfoSchema>;
export type Health = z.infer<typeof healthSchema>;
export type ApiErrorDetail = z.infer<typeof apiErrorDetailSchema>;
export type ApiError = z.infer<typeof apiErrorSchema>;
