// Stripe, Billing's provider, goes down for part of a run. Orders arrive at a steady rate at
// choreo (either flow) and at the synchronous chain alike; the sandbox's Stripe fails every
// call of both until it is back.
import { mapLimit } from "./pipeline.ts";
import { call, ORDER, SYNC, type Runtime } from "./stacks.ts";
import { latencies, type Latencies } from "./stats.ts";

export type OutageSide = {
  placed: number;
  accepted: number;
  placedDuringOutage: number;
  acceptedDuringOutage: number;
  /** Reached ready_to_ship by the end (for the chain: answered 201, which means ready). */
  completed: number;
  acceptLatencyMs: Latencies;
};
export type OutageResult = { ratePerSecond: number; seconds: number; outage: [number, number]; recoverySeconds: number; choreo: OutageSide; sync: OutageSide };

type Reply = { at: number; status: number; ms: number; id?: string };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function setBilling(sandbox: Runtime, mode: "down" | "ok") {
  const reply = await call(sandbox.url, "POST", "/_sandbox/faults", { body: { provider: "stripe", mode } });
  if (reply.status !== 200) throw new Error(`the sandbox refused to switch Stripe ${mode}: ${reply.status}`);
}

export async function runOutage(
  runtime: Runtime,
  sandbox: Runtime,
  options: { ratePerSecond: number; seconds: number; outage: [number, number]; settleSeconds: number },
): Promise<OutageResult> {
  const { ratePerSecond, seconds, outage } = options;
  const replies: Record<"choreo" | "sync", Reply[]> = { choreo: [], sync: [] };
  const inFlight: Promise<void>[] = [];
  const send = (side: "choreo" | "sync", at: number) =>
    inFlight.push(
      (async () => {
        const started = Date.now();
        const reply = await call(runtime.url, "POST", "/orders", { body: ORDER, ...(side === "sync" ? { host: SYNC } : {}) });
        replies[side].push({ at, status: reply.status, ms: Date.now() - started, ...(reply.body?.id ? { id: reply.body.id as string } : {}) });
      })(),
    );

  // When each of choreo's accepted orders was first seen ready_to_ship.
  const readyAt = new Map<string, number>();
  const unfinished = () => replies.choreo.filter((r) => r.status === 202 && r.id && !readyAt.has(r.id)).map((r) => r.id!);
  const poll = async () => {
    const statuses = await mapLimit(unfinished(), 16, async (id) => ({ id, status: (await call(runtime.url, "GET", `/orders/${id}`)).body.status as string }));
    for (const { id, status } of statuses) if (status === "ready_to_ship") readyAt.set(id, Date.now());
  };

  const start = Date.now();
  let billingDown = false;
  let billingBackAt = start;
  let polling: Promise<void> | undefined;
  let polledAt = 0;
  try {
    for (let i = 0; i < ratePerSecond * seconds; i++) {
      const at = i / ratePerSecond;
      await sleep(Math.max(0, start + at * 1000 - Date.now()));
      if (!billingDown && at >= outage[0] && at < outage[1]) {
        await setBilling(sandbox, "down");
        billingDown = true;
      } else if (billingDown && at >= outage[1]) {
        await setBilling(sandbox, "ok");
        billingDown = false;
        billingBackAt = Date.now();
      }
      if (!billingDown && at >= outage[1] && !polling && Date.now() - polledAt > 500) {
        polledAt = Date.now();
        polling = poll().finally(() => (polling = undefined));
      }
      send("choreo", at);
      send("sync", at);
    }
  } finally {
    if (billingDown) await setBilling(sandbox, "ok");
  }
  await Promise.all(inFlight);
  const deadline = Date.now() + options.settleSeconds * 1000;
  for (;;) {
    await (polling ?? poll());
    if (unfinished().length === 0 || Date.now() > deadline) break;
    await sleep(500);
  }

  const during = (r: Reply) => r.at >= outage[0] && r.at < outage[1];
  const side = (rs: Reply[], acceptedStatus: number, completed: number): OutageSide => ({
    placed: rs.length,
    accepted: rs.filter((r) => r.status === acceptedStatus).length,
    placedDuringOutage: rs.filter(during).length,
    acceptedDuringOutage: rs.filter((r) => during(r) && r.status === acceptedStatus).length,
    completed,
    acceptLatencyMs: latencies(rs.map((r) => r.ms)),
  });
  const outageOrdersReady = replies.choreo.filter((r) => during(r) && r.id && readyAt.has(r.id)).map((r) => readyAt.get(r.id!)!);
  return {
    ratePerSecond,
    seconds,
    outage,
    recoverySeconds: outageOrdersReady.length > 0 ? (Math.max(...outageOrdersReady) - billingBackAt) / 1000 : NaN,
    choreo: side(replies.choreo, 202, readyAt.size),
    sync: side(replies.sync, 201, replies.sync.filter((r) => r.status === 201).length),
  };
}
