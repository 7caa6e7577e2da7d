import { describe, expect, it } from "vitest";
import { webhookSubscriptions } from "./webhook-subscriptions";

describe("the webhook subscriptions a publisher reads", () => {
  it("keeps a set not yet written for the TTL too, so a fresh deployment does not read KV for every event", async () => {
    const reads: number[] = [];
    const kv = { get: async () => (reads.push(1), null) } as unknown as KVNamespace;
    const cache = {};
    const env = { WEBHOOK_SUBSCRIPTIONS: kv, WEBHOOK_SUBSCRIPTIONS_TTL_SECONDS: "30" };
    expect(await webhookSubscriptions(env, { cache, now: 0 })).toBeUndefined();
    expect(await webhookSubscriptions(env, { cache, now: 29_999 })).toBeUndefined();
    expect(reads).toHaveLength(1);
    await webhookSubscriptions(env, { cache, now: 30_000 });
    expect(reads).toHaveLength(2);
  });
});
