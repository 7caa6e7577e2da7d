import { describe, expect, it } from "vitest";
import { DEFAULT_STAGE_LIMITS, watchdogCheck } from "./watchdog";

const placedAt = "2026-11-29T10:00:00.000Z";
const at = (seconds: number) => Date.parse(placedAt) + seconds * 1000;

describe("the watchdog", () => {
  it("wakes at the stage's deadline and reports the order once it has passed", () => {
    const order = { status: "placed" as const, timeline: [{ at: placedAt }] };
    expect(watchdogCheck(order, false, DEFAULT_STAGE_LIMITS, at(60))).toEqual({ report: false, wakeAt: at(DEFAULT_STAGE_LIMITS.placed) });
    expect(watchdogCheck(order, false, DEFAULT_STAGE_LIMITS, at(DEFAULT_STAGE_LIMITS.placed + 1))).toEqual({ report: true, wakeAt: undefined });
    expect(watchdogCheck(order, true, DEFAULT_STAGE_LIMITS, at(DEFAULT_STAGE_LIMITS.placed + 1))).toEqual({ report: false, wakeAt: undefined });
  });
});
