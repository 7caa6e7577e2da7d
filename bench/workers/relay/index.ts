// A relay of three queue hops that does nothing but pass each message on. The last hop keeps
// each message's placed→done time in memory (one isolate), read back with GET /stats.
// POST /objects?n= creates n fresh, empty Durable Objects, one call each.
import { DurableObject } from "cloudflare:workers";

type RelayEnv = { HOP_1: Queue; HOP_2: Queue; HOP_3: Queue; EMPTY: DurableObjectNamespace<Empty> };

export class Empty extends DurableObject {
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
    if (next) await env[next].sendBatch(batch.messages.map((message) => ({ body: message.body, contentType: "json" as const })));
    else for (const message of batch.messages) done.push({ ...(message.body as Trip), doneAt: Date.now() });
    batch.ackAll();
  },
} satisfies ExportedHandler<RelayEnv>;
