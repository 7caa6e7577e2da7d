import { OrderFlowTrace } from "../../../../src/contracts/order";
import type { AdminApi } from "../admin-client";
import { ConsoleOrder, DeliveriesPage, EndpointsPage, LettersPage, Notifications } from "../answers";
import { CsrfField, duration, money, ProblemBox, Status, Time } from "../layout";

/** Statuses after which nothing can be cancelled any more. */
const FINAL = new Set(["ready_to_ship", "billing_failed", "cancelled"]);

/** An order's page: its causation chain, messages, webhooks, parked steps and actions. */
export async function orderView(admin: AdminApi, id: string, csrf: string) {
  const [order, notifications, letters, endpoints] = await Promise.all([
    admin.get(`/orders/${id}`, ConsoleOrder),
    admin.get(`/admin/notifications/${id}`, Notifications),
    admin.get(`/admin/dead-letters?subject=${id}&status=parked`, LettersPage),
    admin.get("/admin/webhooks/endpoints?limit=20", EndpointsPage),
  ]);
  if (!order.ok) return <ProblemBox what={`Order ${id}`} problem={order.problem} />;
  const o = order.data;
  const eventIds = new Set(o.timeline.map((step) => step.eventId));
  // Deliveries are kept per endpoint: this order's are the ones carrying its timeline's events.
  const deliveries = endpoints.ok
    ? (await Promise.all(endpoints.data.endpoints.map(async (ep) => ({ ep, page: await admin.get(`/admin/webhooks/endpoints/${ep.id}/deliveries?limit=100`, DeliveriesPage) })))).flatMap(({ ep, page }) =>
        page.ok ? page.data.deliveries.filter((d) => eventIds.has(d.eventId)).map((d) => ({ ...d, endpoint: ep })) : [],
      )
    : [];
  const flow = (o as Record<string, unknown>)["flow"];
  return (
    <>
      <p>
        Status <Status value={o.status} /> · total {money(o.total, o.currency)} · placed <Time at={o.placedAt} /> · version {o.version}
      </p>
      {o.closure ? <p>Closed: {o.closure.reason}{o.closure.detail ? ` (${o.closure.detail})` : ""}</p> : null}
      {flow !== undefined ? <FlowField value={flow} /> : null}
      <h2>Timeline</h2>
      <ol class="chain" id="timeline">
        {o.timeline.map((step, i) => {
          const previous = o.timeline[i - 1];
          return (
            <li data-status={step.status}>
              <Status value={step.status} /> · <code>{step.eventType}</code> by <code>{step.source}</code> at <Time at={step.at} />
              {previous ? <span class="muted"> · {duration(Date.parse(step.at) - Date.parse(previous.at))} after {previous.status}, caused by it</span> : null}
              <div class="muted mono">event {step.eventId}</div>
            </li>
          );
        })}
      </ol>
      <h2>Parked steps</h2>
      {!letters.ok ? (
        <ProblemBox what="Dead letters" problem={letters.problem} />
      ) : letters.data.letters.length ? (
        <div class="panel">
          <ul>
            {letters.data.letters.map((l) => (
              <li>
                <code>{l.eventType ?? "unknown"}</code> parked in <code>{l.queue}</code>: {l.reason}, {l.error} ({l.attempts} attempts)
              </li>
            ))}
          </ul>
          <form method="post" action={`/console/orders/${o.id}/replay`} data-confirm={`Replay ${letters.data.letters.length} parked step(s) of this order?`}>
            <CsrfField token={csrf} />
            <button type="submit">Replay parked steps</button>
          </form>
        </div>
      ) : (
        <p>Nothing of this order is parked.</p>
      )}
      <h2>Notifications</h2>
      {notifications.ok ? (
        notifications.data.notifications.length ? (
          <div class="table-wrap">
            <table>
              <thead><tr><th scope="col">Channel</th><th scope="col">Template</th><th scope="col">Status</th><th scope="col" class="num">Attempts</th><th scope="col">Last error</th></tr></thead>
              <tbody>
                {notifications.data.notifications.map((n) => (
                  <tr><td>{n.channel}</td><td>{n.template}</td><td><Status value={n.status} /></td><td class="num">{n.attempts}</td><td>{n.lastError?.message ?? ""}</td></tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p>No email or SMS yet.</p>
        )
      ) : (
        <ProblemBox what="Notifications" problem={notifications.problem} />
      )}
      <h2>Webhook deliveries</h2>
      {!endpoints.ok ? (
        <ProblemBox what="Webhook endpoints" problem={endpoints.problem} />
      ) : deliveries.length ? (
        <div class="table-wrap">
          <table>
            <thead><tr><th scope="col">Endpoint</th><th scope="col">Event</th><th scope="col">Status</th><th scope="col" class="num">Attempts</th><th scope="col">Last error</th></tr></thead>
            <tbody>
              {deliveries.map((d) => (
                <tr><td><a href={`/console/webhooks/${d.endpoint.id}`} class="mono">{d.endpoint.url}</a></td><td><code>{d.eventType}</code></td><td><Status value={d.status} /></td><td class="num">{d.attempts.length}</td><td>{d.lastError ?? ""}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p>No webhook deliveries of this order's timeline events (among each endpoint's latest 100).</p>
      )}
      <h2>Actions</h2>
      {FINAL.has(o.status) ? (
        <p class="muted">The order has ended ({o.status}); it can no longer be cancelled.</p>
      ) : (
        <form method="post" action={`/console/orders/${o.id}/cancel`} data-confirm="Cancel this order? A charge is refunded and stock released.">
          <CsrfField token={csrf} />
          <button class="danger" type="submit">Cancel order</button>
        </form>
      )}
    </>
  );
}

/** Which flow ran the order (the admin view's `flow`): choreography, or the Workflow instance and the steps that reported to Sales. */
function FlowField(props: { value: unknown }) {
  const flow = OrderFlowTrace.safeParse(props.value);
  return (
    <div class="panel" id="order-flow">
      <h2>Flow</h2>
      {!flow.success ? (
        <p class="mono">{JSON.stringify(props.value)}</p>
      ) : flow.data.kind === "choreography" ? (
        <p>Choreography: each service acted on the previous one's event, through its queue.</p>
      ) : (
        <>
          <p>
            Orchestration: Workflow <code>{flow.data.workflow}</code>, instance <code>{flow.data.instanceId}</code> (its live status: the dashboard, or{" "}
            <code>wrangler workflows instances describe {flow.data.workflow} {flow.data.instanceId}</code>).
          </p>
          <ol>
            {flow.data.steps.map((step) => (
              <li>
                {step.name} → <code>{step.event}</code> at {step.at}
              </li>
            ))}
          </ol>
        </>
      )}
    </div>
  );
}
