import { describe, expect, it } from "vitest";
import { backoffSeconds, MAX_QUEUE_DELAY_SECONDS, parseRetryAfter } from "./retry";

describe("backoffSeconds", () => {
  it("doubles the window per attempt and jitters within its upper half", () => {
    expect(backoffSeconds(1, { random: () => 0 })).toBe(1);
    expect(backoffSeconds(1, { random: () => 1 })).toBe(2);
    expect(backoffSeconds(4, { random: () => 0 })).toBe(8);
    expect(backoffSeconds(4, { random: () => 1 })).toBe(16);
  });

  it("never exceeds the cap or the queue's 12-hour limit", () => {
    expect(backoffSeconds(30, { random: () => 1, maxSeconds: 600 })).toBe(600);
    expect(backoffSeconds(60, { random: () => 1, maxSeconds: 10 ** 9 })).toBe(MAX_QUEUE_DELAY_SECONDS);
  });

  it("spreads retries of the same attempt", () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffSeconds(8)));
    expect(delays.size).toBeGreaterThan(5);
  });
});

describe("parseRetryAfter", () => {
  it("reads delta-seconds and HTTP dates", () => {
    expect(parseRetryAfter("30")).toBe(30);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:01:00 GMT", now)).toBe(60);
  });

  it("ignores what it cannot read", () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
  });
});
