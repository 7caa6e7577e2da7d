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

  it("reads KV once when the set expires under load: events published meanwhile keep the last set", async () => {
    const reads: number[] = [];
    let answer: (value: unknown) => void = () => {};
    const set = { all: false, types: ["order.billed.v1"], updatedAt: new Date(0).toISOString() };
    const kv = {
      get: () => {
        reads.push(1);
        return reads.length === 1 ? Promise.resolve(set) : new Promise((resolve) => (answer = resolve));
      },
    } as unknown as KVNamespace;
    const cache = {};
    const env = { WEBHOOK_SUBSCRIPTIONS: kv, WEBHOOK_SUBSCRIPTIONS_TTL_SECONDS: "30" };
    expect(await webhookSubscriptions(env, { cache, now: 0 })).toEqual(new Set(["order.billed.v1"]));
    const refreshing = webhookSubscriptions(env, { cache, now: 30_000 });
    const meanwhile = await Promise.all([1, 2, 3].map(() => webhookSubscriptions(env, { cache, now: 30_001 })));
    expect(meanwhile).toEqual(Array(3).fill(new Set(["order.billed.v1"])));
    answer({ ...set, types: ["order.placed.v1"] });
    expect(await refreshing).toEqual(new Set(["order.placed.v1"]));
    expect(reads).toHaveLength(2);
    expect(await webhookSubscriptions(env, { cache, now: 30_002 })).toEqual(new Set(["order.placed.v1"]));
  });
});
