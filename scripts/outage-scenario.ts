// Temporal decoupling, shown: one service (or its provider) at a time is stopped, orders keep
// being accepted and wait; when it is back, every order completes. Used by
// `npm run demo:outage` (against `npm run dev`) and by test/outage.slow.test.ts, in either flow.

export type OutageClient = {
  placeOrder(body: unknown): Promise<{ status: number; id?: string }>;
  statusOf(orderId: string): Promise<string>;
  /** Switches the consumer of a queue: "down" stops it, "ok" brings it back. */
  setConsumer(queue: string, mode: "down" | "ok"): Promise<void>;
  /** Switches a provider of the sandbox: "down" fails every call to it, "ok" brings it back. */
  setProvider(provider: string, mode: "down" | "ok"): Promise<void>;
};

export type OutageRow = {
  stopped: string;
  placed: number;
  accepted: number;
  during: Record<string, number>;
  after: Record<string, number>;
  recoverySeconds: number;
};

/** What is stopped: a service's queue consumer, or a provider a service calls. */
export type Outage = { label: string } & ({ queue: string } | { provider: string });

/**
 * Choreography: each service's consumer in turn, then Stripe. Orchestration: the consumer that
 * starts each order's workflow, then each provider the workflow calls (Billing's, Warehouse's).
 */
export const OUTAGES: Record<"choreography" | "orchestration", readonly Outage[]> = {
  choreography: [
    { queue: "billing", label: "Billing" },
    { queue: "warehouse", label: "Warehouse" },
    { queue: "sales", label: "Sales' consumer" },
    { provider: "stripe", label: "Stripe (Billing's provider)" },
  ],
  orchestration: [
    { queue: "order-flow", label: "the workflow starter" },
    { provider: "stripe", label: "Stripe (Billing's provider)" },
    { provider: "carrier", label: "the carrier (Warehouse's provider)" },
  ],
};

const tally = (statuses: string[]) =>
  statuses.reduce<Record<string, number>>((counts, status) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }), {});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SWITCH_REACHES_CONSUMERS_MS = 1_000;

export async function runOutage(
  client: OutageClient,
  order: unknown,
  options: { outages: readonly Outage[]; perService?: number; outageSeconds?: number; timeoutSeconds?: number; say?: (line: string) => void },
): Promise<OutageRow[]> {
  const { perService = 5, outageSeconds = 5, timeoutSeconds = 90, say = () => {} } = options;
  const rows: OutageRow[] = [];
  const turn = (service: Outage, mode: "down" | "ok") => ("queue" in service ? client.setConsumer(service.queue, mode) : client.setProvider(service.provider, mode));
  for (const service of options.outages) {
    say(`stopping ${service.label}…`);
    await turn(service, "down");
    // Each consumer keeps the sandbox's switch for up to 0.5 s (workers/sandbox/delivery-hooks.ts):
    // orders placed sooner could still be handled by a consumer that has not seen it yet.
    await sleep(SWITCH_REACHES_CONSUMERS_MS);
    try {
      const replies = await Promise.all(Array.from({ length: perService }, () => client.placeOrder(order)));
      const ids = replies.flatMap((reply) => (reply.id ? [reply.id] : []));
      say(`  placed ${perService} orders, ${replies.filter((r) => r.status === 202).length} accepted (202); waiting ${outageSeconds}s`);
      await sleep(outageSeconds * 1000);
      const during = tally(await Promise.all(ids.map((id) => client.statusOf(id))));
      say(`  while ${service.label} is down: ${JSON.stringify(during)}`);
      await turn(service, "ok");
      say(`  ${service.label} is back`);
      const started = Date.now();
      let after: Record<string, number> = {};
      while (Date.now() - started < timeoutSeconds * 1000) {
        after = tally(await Promise.all(ids.map((id) => client.statusOf(id))));
        if (after["ready_to_ship"] === ids.length) break;
        await sleep(500);
      }
      rows.push({
        stopped: service.label,
        placed: perService,
        accepted: replies.filter((r) => r.status === 202).length,
        during,
        after,
        recoverySeconds: Math.round((Date.now() - started) / 100) / 10,
      });
      say(`  after: ${JSON.stringify(after)} in ${rows.at(-1)!.recoverySeconds}s`);
    } finally {
      await turn(service, "ok");
    }
  }
  return rows;
}

export function formatTable(rows: OutageRow[]): string {
  const fmt = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([status, n]) => `${n} ${status}`)
      .join(", ") || "-";
  const header = ["service stopped", "orders placed", "accepted (202)", "while stopped", "after restart", "recovered in"];
  const body = rows.map((r) => [r.stopped, String(r.placed), String(r.accepted), fmt(r.during), fmt(r.after), `${r.recoverySeconds}s`]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n");
}
