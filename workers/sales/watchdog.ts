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

/**
 * What an order's alarm does about the watchdog: report the order when its stage's deadline has
 * passed (once per stage), and when to look again. The alarm is set once at placement and moved
 * only when it fires or a stage's deadline comes earlier, so an order that flows costs one alarm.
 */
export function watchdogCheck(order: { status: OrderStatus; timeline: readonly { at: string }[] }, reported: boolean, limits: StageLimits, now: number) {
  const deadline = deadlineFor(order.status, order.timeline.at(-1)!.at, limits);
  if (deadline === undefined) return { report: false, wakeAt: undefined };
  if (deadline > now) return { report: false, wakeAt: deadline };
  return { report: !reported, wakeAt: undefined };
}
