// The durable relay, the baseline for choreo's pipeline: three queue hops, as placed → billed →
// labelled → ready_to_ship, each doing the least a durable step does: one Durable Object RPC
// that inserts one row into a new object of its own (one per message and hop), one provider
// call to the sandbox over HTTP, one send to the next queue. Its config is built by
// bench/stacks.ts with choreo's own batch settings for the three hops, so both run alike.
// The last hop keeps each message's placed→done time in memory (one isolate), read back with
// GET /stats. POST /objects?n= creates n fresh, empty Durable Objects, one call each.
import { DurableObject } from "cloudflare:workers";
import { OneRow } from "../one-row";

export { OneRow };
type RelayEnv = { HOP_1: Queue; HOP_2: Queue; HOP_3: Queue; STEPS: DurableObjectNamespace<OneRow>; EMPTY: DurableObjectNamespace<Empty>; PROVIDER_URL: string };

export class Empty extends DurableObject<RelayEnv> {
  async touch(): Promise<number> {
    return 1;
  }
}

type Trip = { id: string; placedAt: number };

const NEXT: Record<string, "HOP_2" | "HOP_3"> = { "bench-relay-1": "HOP_2", "bench-relay-2": "HOP_3" };
let done: { id: string; placedAt: number; doneAt: number }[] = [];

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method === "POST" && url.pathname === "/orders") {
      const trip: Trip = { id: crypto.randomUUID(), placedAt: Date.now() };
      await env.HOP_1.send(trip, { contentType: "json" });
      return Response.json(trip, { status: 202 });
    }
    if (request.method === "POST" && url.pathname === "/objects") {
      const n = Number(url.searchParams.get("n") ?? 1);
      for (let i = 0; i < n; i++) await env.EMPTY.get(env.EMPTY.newUniqueId()).touch();
      return Response.json({ created: n });
    }
    if (url.pathname === "/stats") {
      if (request.method === "DELETE") done = [];
      return Response.json({ done });
    }
    return new Response("not found", { status: 404 });
  },
  async queue(batch, env) {
    const next = NEXT[batch.queue];
    // Each message on its own, as choreo's consumers take them (src/platform/consumer.ts).
    await Promise.all(
      batch.messages.map(async (message) => {
        const trip = message.body as Trip;
        await env.STEPS.get(env.STEPS.idFromName(`${batch.queue}/${trip.id}`)).insert(JSON.stringify(trip));
        const provider = await fetch(`${env.PROVIDER_URL}/health`);
        await provider.body?.cancel();
        if (!provider.ok) throw new Error(`sandbox answered ${provider.status}`);
        if (next) await env[next].send(trip, { contentType: "json" });
        else done.push({ ...trip, doneAt: Date.now() });
        message.ack();
      }),
    );
  },
} satisfies ExportedHandler<RelayEnv>;
