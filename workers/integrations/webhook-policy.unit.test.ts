import { describe, expect, it } from "vitest";
import { DISABLE_AFTER_MS, judge, parseSchedule, STANDARD_SCHEDULE } from "./webhook-policy";

const now = Date.parse("2026-11-27T12:00:00Z");
const context = { attemptsInRound: 1, schedule: STANDARD_SCHEDULE, failingSince: null, now };
const answered = (statusCode: number, retryAfterSeconds?: number) => ({ statusCode, latencyMs: 5, response: "", ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) });

describe("what follows a webhook attempt", () => {
  it.each([200, 201, 204, 299])("%s is delivered", (status) => {
    expect(judge(answered(status), context)).toEqual({ kind: "delivered" });
  });

  it.each([301, 302, 307, 400, 401, 404, 500])("%s is retried on the schedule", (status) => {
    expect(judge(answered(status), context)).toEqual({ kind: "retry", afterSeconds: 5, reason: `answered ${status}` });
  });

  it("follows the Standard Webhooks schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h, then stops", () => {
    const waits = Array.from({ length: 9 }, (_, i) => judge(answered(500), { ...context, attemptsInRound: i + 1 }));
    expect(waits.map((v) => (v.kind === "retry" ? v.afterSeconds : v.kind))).toEqual([5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]);
    expect(judge(answered(500), { ...context, attemptsInRound: 10 })).toEqual({ kind: "failed", reason: "answered 500; gave up after 10 attempts" });
  });

  it("a timeout or network error is retried like a 5xx", () => {
    expect(judge({ latencyMs: 15_000, response: "", error: "no answer within 15 s" }, context)).toMatchObject({ kind: "retry", reason: "no answer within 15 s" });
  });

  it("410 Gone disables the endpoint at once", () => {
    expect(judge(answered(410), context)).toEqual({ kind: "failed", reason: "answered 410", disableEndpoint: "the endpoint answered 410 Gone" });
  });

  it.each([429, 502, 503, 504])("%s honours Retry-After when it asks for longer than the schedule", (status) => {
    expect(judge(answered(status, 600), context)).toMatchObject({ kind: "retry", afterSeconds: 600 });
    expect(judge(answered(status, 1), context)).toMatchObject({ kind: "retry", afterSeconds: 5 });
  });

  it("a Retry-After on other statuses does not stretch the schedule", () => {
    expect(judge(answered(500, 600), context)).toMatchObject({ kind: "retry", afterSeconds: 5 });
  });

  it("disables an endpoint failing every attempt for five days, not a moment before", () => {
    expect(judge(answered(500), { ...context, failingSince: now - DISABLE_AFTER_MS + 1 })).toMatchObject({ kind: "retry" });
    expect(judge(answered(500), { ...context, failingSince: now - DISABLE_AFTER_MS })).toEqual({
      kind: "failed",
      reason: "answered 500",
      disableEndpoint: "every attempt failed for 5 days",
    });
  });

  it("reads a schedule override, and falls back to the standard one when it is unreadable", () => {
    expect(parseSchedule("0, 1,2")).toEqual([0, 1, 2]);
    expect(parseSchedule("")).toEqual([...STANDARD_SCHEDULE]);
    expect(parseSchedule("0,soon")).toEqual([...STANDARD_SCHEDULE]);
  });
});
