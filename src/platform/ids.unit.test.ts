import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ORDER_ID } from "../contracts/values";
import { firstIdAt, idFromName, newOrderId, orderObjectName, timeOfId } from "./ids";

// An Idempotency-Key's order id, as Sales makes it (workers/sales/place-order.ts).
const keyed = (key: string, at: number) => idFromName("ord", `choreo-idempotency-key:${key}`, at);

const MORNING = Date.parse("2026-05-01T09:00:00.000Z");

describe("order ids", () => {
  it("carry the time they were made for, so they sort by it", () => {
    const early = newOrderId(MORNING);
    const late = newOrderId(MORNING + 1);
    expect(early).toMatch(ORDER_ID);
    expect(timeOfId(early)).toBe(MORNING);
    expect(early < late).toBe(true);
  });

  it("of a key sort by their time, and keep the key's random part at any time", async () => {
    const first = await keyed("retry-me", MORNING);
    const retry = await keyed("retry-me", MORNING + 86_400_000);
    expect(first).toMatch(ORDER_ID);
    expect(timeOfId(first)).toBe(MORNING);
    expect(timeOfId(retry)).toBe(MORNING + 86_400_000);
    expect(retry).not.toBe(first);
    expect(retry.slice(-16)).toBe(first.slice(-16));
    // Among unkeyed ids, by time alone.
    expect([retry, newOrderId(MORNING + 1), first, newOrderId(MORNING - 1)].sort().map(timeOfId)).toEqual([MORNING - 1, MORNING, MORNING + 1, MORNING + 86_400_000]);
    expect((await keyed("another key", MORNING)).slice(-16)).not.toBe(first.slice(-16));
  });

  it("of one key name one Order object whatever their time; another key, another object", async () => {
    const first = await keyed("retry-me", MORNING);
    const retry = await keyed("retry-me", MORNING + 3_600_000);
    expect(orderObjectName(retry)).toBe(orderObjectName(first));
    expect(orderObjectName(first)).toHaveLength(16);
    expect(orderObjectName(await keyed("another key", MORNING))).not.toBe(orderObjectName(first));
    const unkeyed = newOrderId(MORNING);
    expect(orderObjectName(unkeyed)).toBe(unkeyed.slice(-16));
  });

  it("made in [start, end) are exactly the ids in [firstIdAt(start), firstIdAt(end))", async () => {
    const YEAR_MS = 366 * 86_400_000;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: YEAR_MS }), fc.integer({ min: 0, max: YEAR_MS }), fc.string(), fc.boolean(), async (start, at, key, isKeyed) => {
        const [from, to] = [MORNING + start, MORNING + start + 86_400_000];
        const id = isKeyed ? await keyed(key, MORNING + at) : newOrderId(MORNING + at);
        const inTime = MORNING + at >= from && MORNING + at < to;
        expect(id >= firstIdAt("ord", from) && id < firstIdAt("ord", to)).toBe(inTime);
      }),
    );
    // The edges of a day: its last millisecond in, the next day's first out.
    const day = Date.parse("2026-05-02T00:00:00.000Z");
    const [from, to] = [firstIdAt("ord", day), firstIdAt("ord", day + 86_400_000)];
    const inDay = (id: string) => id >= from && id < to;
    expect(inDay(newOrderId(day))).toBe(true);
    expect(inDay(newOrderId(day + 86_400_000 - 1))).toBe(true);
    expect(inDay(newOrderId(day - 1))).toBe(false);
    expect(inDay(newOrderId(day + 86_400_000))).toBe(false);
  });
});
