import { describe, expect, it } from "vitest";
import { retryDelaySeconds, retryLater } from "./retry-policy";

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
});
