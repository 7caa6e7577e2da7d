import { z } from "zod";
import type { OrderStatus } from "../../src/contracts/values";

/** How long an order may wait in a stage before it is reported as stuck. */
export const StageLimits = z.object({ placed: z.number().positive(), billed: z.number().positive() });
export type StageLimits = z.infer<typeof StageLimits>;

export const DEFAULT_STAGE_LIMITS: StageLimits = { placed: 15 * 60, billed: 30 * 60 };

/** Reads `STUCK_AFTER_SECONDS` (JSON, e.g. {"placed":900,"billed":1800}); bad or absent → defaults. */
export function stageLimits(configured: unknown): StageLimits {
  const raw = typeof configured === "string" && configured ? safeJson(configured) : configured;
  const parsed = StageLimits.partial().safeParse(raw ?? {});
  return { ...DEFAULT_STAGE_LIMITS, ...(parsed.success ? parsed.data : {}) };
}

/** When an order that entered `status` at `since` should have moved on; undefined for terminal stages. */
export function deadlineFor(status: OrderStatus, since: string, limits: StageLimits): number | undefined {
  if (status !== "placed" && status !== "billed") return undefined;
  return Date.parse(since) + limits[status] * 1000;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
