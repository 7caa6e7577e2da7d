import { describe, expect, it } from "vitest";
import { findSms, sendSms, twilioConfig } from "./twilio";
import { e } from "./test-helpers";

describe("finding a text Twilio already took (a send whose answer was lost)", () => {
  it("reaches back past a thousand newer texts to the same number", async () => {
    const config = twilioConfig(e);
    if (!config.ok) throw new Error("the test's Twilio settings are incomplete");
    const to = "+14155550199";
    const since = new Date().toISOString();
    const first = await sendSms(config.config, to, "the one to find");
    expect(first.kind).toBe("sent");
    // A busy number: more texts since than a lookup of ten default-sized pages (10 × 100) reads.
    for (let batch = 0; batch < 11; batch++) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => sendSms(config.config, to, `newer text ${batch * 100 + i}`)));
    }
    const trace = await findSms(config.config, to, "the one to find", since);
    expect(trace).toEqual({ kind: "found", result: first });
  }, 60_000);
});
