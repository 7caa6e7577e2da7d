import { describe, expect, it } from "vitest";
import { backoffMaxSeconds, providerStep, retryDelaySeconds, retryLater } from "./retry-policy";

describe("how long a workflow step waits before its next try", () => {
  it("waits as long as the provider asked", () => {
    expect(retryDelaySeconds(5, retryLater({ reason: "stripe answered 429", afterSeconds: 7 }))).toBe(7);
    expect(retryLater({ reason: "stripe answered 429", afterSeconds: 7 }).message).toBe("stripe answered 429 (retry after 7 s)");
  });

  it("otherwise backs off as a queue consumer does: longer each try, never past an hour", () => {
    const first = retryDelaySeconds(1, retryLater({ reason: "no answer" }));
    const sixth = retryDelaySeconds(6, retryLater({ reason: "no answer" }));
    expect(first).toBeGreaterThanOrEqual(1);
    expect(first).toBeLessThanOrEqual(2);
    expect(sixth).toBeGreaterThanOrEqual(32);
    expect(retryDelaySeconds(30, undefined)).toBeLessThanOrEqual(3600);
  });

  it("backs off no longer than the cap, but still waits as long as the provider asked", () => {
    expect(retryDelaySeconds(12, retryLater({ reason: "carrier answered 500" }), { maxSeconds: 8 })).toBeLessThanOrEqual(8);
    expect(retryDelaySeconds(12, retryLater({ reason: "lookup ran out of pages", afterSeconds: 3600 }), { maxSeconds: 8 })).toBe(3600);
  });

  it("reads the cap from RETRY_BACKOFF_MAX_SECONDS, an hour unless it is a number of seconds", () => {
    expect(backoffMaxSeconds("8")).toBe(8);
    expect(backoffMaxSeconds(undefined)).toBe(3600);
    expect(backoffMaxSeconds("soon")).toBe(3600);
    expect(providerStep(8).retries.delay({ ctx: { attempt: 15 } as never, error: new Error("carrier answered 503") })).toMatch(/^[1-8] seconds$/);
  });
});
