import { describe, expect, it } from "vitest";
import { callOnce, outlived, type Trace } from "./provider-once";

const counting = <T>(result: T) => {
  const calls = { n: 0 };
  return { calls, perform: async () => (calls.n++, result) };
};

describe("callOnce", () => {
  it("calls the provider when no earlier attempt can have reached it, without looking up", async () => {
    const { calls, perform } = counting("sent");
    let looked = 0;
    expect(await callOnce({ uncertain: false, lookUp: async () => (looked++, { kind: "none" }), perform })).toBe("sent");
    expect([calls.n, looked]).toEqual([1, 0]);
  });

  it("takes an uncertain attempt's effect from the provider instead of acting again", async () => {
    const { calls, perform } = counting("second");
    expect(await callOnce({ uncertain: true, lookUp: async (): Promise<Trace<string>> => ({ kind: "found", result: "first" }), perform })).toBe("first");
    expect(calls.n).toBe(0);
  });

  it("acts again when the provider has no trace of the uncertain attempt", async () => {
    const { calls, perform } = counting("sent");
    expect(await callOnce({ uncertain: true, lookUp: async () => ({ kind: "none" }), perform })).toBe("sent");
    expect(calls.n).toBe(1);
  });

  it("waits when the lookup itself cannot be answered, rather than risk a second effect", async () => {
    const { calls, perform } = counting("sent");
    expect(await callOnce({ uncertain: true, lookUp: async () => ({ kind: "retryable", reason: "down", afterSeconds: 5 }), perform })).toEqual({ kind: "retryable", reason: "down", afterSeconds: 5 });
    expect(calls.n).toBe(0);
  });

  it("acts (at least once) where the provider offers no lookup", async () => {
    const { calls, perform } = counting("sent");
    expect(await callOnce({ uncertain: true, perform })).toBe("sent");
    expect(calls.n).toBe(1);
  });
});

describe("outlived", () => {
  it("is true only once the time is past the window", () => {
    const since = "2026-11-29T00:00:00.000Z";
    expect(outlived(since, 60, Date.parse(since) + 60_000)).toBe(false);
    expect(outlived(since, 60, Date.parse(since) + 60_001)).toBe(true);
  });
});
