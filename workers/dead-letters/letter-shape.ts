import { z } from "zod";

// A dead letter as the admin API answers it: the API documents it, the console reads it.

export const Status = z.enum(["parked", "replayed", "discarded"]);
export const LetterSchema = z
  .object({
    id: z.string(),
    queue: z.string(),
    eventId: z.string().optional(),
    eventType: z.string().optional(),
    subject: z.string().optional(),
    reason: z.string(),
    error: z.string(),
    attempts: z.number(),
    body: z.unknown(),
    firstFailedAt: z.string(),
    lastFailedAt: z.string(),
    failures: z.number(),
    status: Status,
    replays: z.number(),
    updatedAt: z.string(),
    discardReason: z.string().optional(),
  })
  .meta({ id: "DeadLetter" });
