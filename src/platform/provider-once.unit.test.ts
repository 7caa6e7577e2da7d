import { describe, expect, it } from "vitest";
import { callOnce, lookBack, outlived, type Trace } from "./provider-once";
import type { ProviderReply } from "./provider";

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

describe("lookBack", () => {
  /** A newest-first list of `count` items, one a second up to `newestAt`, in pages of 100. */
  const list = (count: number, newestAt: number) => {
    const items = Array.from({ length: count }, (_, i) => ({ id: `item-${i}`, at: newestAt - i * 1000 }));
    const reads: number[] = [];
    const pageAt = (n: number) => `https://provider.test/list?page=${n}`;
    return {
      reads,
      first: pageAt(1),
      get: async (url: string): Promise<ProviderReply> => {
        const n = Number(new URL(url).searchParams.get("page"));
        reads.push(n);
        const body = { results: items.slice((n - 1) * 100, n * 100), next: items.length > n * 100 ? pageAt(n + 1) : null };
        return { kind: "ok", status: 200, body, headers: new Headers() };
      },
      page: (body: unknown) => {
        const { results, next } = body as { results: { id: string; at: number }[]; next: string | null };
        return { items: results, next, createdAt: (item: { at: number }) => item.at };
      },
    };
  };
  const now = Date.parse("2026-11-29T12:00:00Z");
  const iso = (at: number) => new Date(at).toISOString();
  const find = (id: string) => (items: { id: string }[]) => items.find((item) => item.id === id)?.id;

  it("finds an attempt behind 2,500 newer items (more than ten pages)", async () => {
    const provider = list(5_000, now);
    const trace = await lookBack({ what: "test", first: provider.first, since: iso(now - 2_600 * 1000), get: provider.get, page: provider.page, match: find("item-2500") });
    expect(trace).toEqual({ kind: "found", result: "item-2500" });
    expect(provider.reads).toHaveLength(26);
  });

  it("answers none once it has read back past the earliest the attempt can be, with the clock margin", async () => {
    const provider = list(5_000, now);
    const trace = await lookBack({ what: "test", first: provider.first, since: iso(now - 250 * 1000), get: provider.get, page: provider.page, match: find("absent") });
    expect(trace).toEqual({ kind: "none" });
    // 250 items, and the ten of the margin, span pages 1 to 3.
    expect(provider.reads).toEqual([1, 2, 3]);
  });

  it("calls the answer unknown, not none, when more pages lie between now and the attempt than it reads", async () => {
    const provider = list(5_000, now);
    const trace = await lookBack({ what: "test", first: provider.first, since: iso(now - 4_000 * 1000), get: provider.get, page: provider.page, match: find("absent") });
    expect(trace).toMatchObject({ kind: "retryable", reason: expect.stringContaining("30 pages") });
    expect(provider.reads).toHaveLength(30);
  });
});
