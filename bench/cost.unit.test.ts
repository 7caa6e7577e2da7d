import { describe, expect, it } from "vitest";
import { alarmsStillDue, usagePerOrder } from "./cost.ts";

describe("the cost of an order (bench)", () => {
  it("bills an alarm still set when the run ended as the request it will be when it runs", () => {
    const totals = {
      "do.requests@Order": 30,
      "do.alarms_set@Order": 10,
      // two of them ran during the run (each already a request), one was deleted
      "do.requests@alarm:Order": 2,
      "do.alarms_deleted@Order": 1,
    };
    expect(alarmsStillDue(totals)).toBe(7);
    expect(usagePerOrder(totals, 10, 0)["do.requests"]).toBeCloseTo((30 + 2 + 7) / 10);
  });

  it("never counts fewer than none (an alarm set before the run and run in it)", () => {
    expect(alarmsStillDue({ "do.requests@alarm:Order": 3 })).toBe(0);
  });
});
