import type { AdminApi } from "../admin-client";
import { DeliveriesPage, Endpoint, EndpointsPage } from "../answers";
import { CsrfField, ProblemBox, Status, Time } from "../layout";
import type { z } from "zod";

type EndpointView = z.infer<typeof Endpoint>;

/** Share of the latest settled deliveries that got through. */
function successRate(deliveries: z.infer<typeof DeliveriesPage>["deliveries"]): string {
  const settled = deliveries.filter((d) => d.status === "delivered" || d.status === "failed" || d.status === "retrying" || d.status === "scheduled");
  if (!settled.length) return "—";
  return `${Math.round((100 * settled.filter((d) => d.status === "delivered").length) / settled.length)}% of ${settled.length}`;
}

export async function webhooksView(admin: AdminApi, csrf: string) {
  const endpoints = await admin.get("/admin/webhooks/endpoints?limit=100", EndpointsPage);
  if (!endpoints.ok) return <ProblemBox what="Webhook endpoints" problem={endpoints.problem} />;
  if (!endpoints.data.endpoints.length) return <p>No webhook endpoints are subscribed.</p>;
  const rows = await Promise.all(endpoints.data.endpoints.map(async (ep) => ({ ep, deliveries: await admin.get(`/admin/webhooks/endpoints/${ep.id}/deliveries?limit=50`, DeliveriesPage) })));
  return (
    <div class="table-wrap">
      <table>
        <caption class="muted">Success rate over each endpoint's latest 50 deliveries.</caption>
        <thead><tr><th scope="col">Endpoint</th><th scope="col">Status</th><th scope="col" class="num">Success</th><th scope="col">Last error</th><th scope="col">Actions</th></tr></thead>
        <tbody>
          {rows.map(({ ep, deliveries }) => (
            <tr data-endpoint-id={ep.id}>
              <td><a class="mono" href={`/console/webhooks/${ep.id}`}>{ep.url}</a>{ep.description ? <div class="muted">{ep.description}</div> : null}</td>
              <td><Status value={ep.status} />{ep.disabledReason ? <div class="muted">{ep.disabledReason}</div> : null}{ep.failingSince ? <div class="muted">failing since <Time at={ep.failingSince} /></div> : null}</td>
              <td class="num">{deliveries.ok ? successRate(deliveries.data.deliveries) : "?"}</td>
              <td>{deliveries.ok ? (deliveries.data.deliveries.find((d) => d.lastError)?.lastError ?? "") : deliveries.problem.title}</td>
              <td><EndpointActions ep={ep} csrf={csrf} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function EndpointActions(props: { ep: EndpointView; csrf: string }) {
  return (
    <>
      {props.ep.status === "disabled" ? (
        <form method="post" action={`/console/webhooks/${props.ep.id}/enable`} class="inline" data-confirm="Enable this endpoint again?">
          <CsrfField token={props.csrf} />
          <button type="submit">Enable</button>
        </form>
      ) : null}{" "}
      <form method="post" action={`/console/webhooks/${props.ep.id}/rotate-secret`} class="inline" data-confirm="Rotate the signing secret? The old one keeps signing for 24 hours.">
        <CsrfField token={props.csrf} />
        <button class="secondary" type="submit">Rotate secret</button>
      </form>
    </>
  );
}

/** One endpoint: its activity and deliveries, each replayable. */
export async function endpointView(admin: AdminApi, id: string, csrf: string) {
  const [endpoint, deliveries] = await Promise.all([admin.get(`/admin/webhooks/endpoints/${id}`, Endpoint), admin.get(`/admin/webhooks/endpoints/${id}/deliveries?limit=100`, DeliveriesPage)]);
  if (!endpoint.ok) return <ProblemBox what={`Endpoint ${id}`} problem={endpoint.problem} />;
  const ep = endpoint.data;
  return (
    <>
      <p class="mono">{ep.url}</p>
      <p><Status value={ep.status} /> {ep.disabledReason ?? ""} <EndpointActions ep={ep} csrf={csrf} /></p>
      <h2>Deliveries</h2>
      {!deliveries.ok ? (
        <ProblemBox what="Deliveries" problem={deliveries.problem} />
      ) : (
        <div class="table-wrap">
          <table>
            <thead><tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col" class="num">Attempts</th><th scope="col">Last error</th><th scope="col">Created</th><th scope="col">Action</th></tr></thead>
            <tbody>
              {deliveries.data.deliveries.map((d) => (
                <tr>
                  <td><code>{d.eventType}</code><div class="muted mono">{d.eventId}</div></td>
                  <td><Status value={d.status} /></td>
                  <td class="num">{d.attempts.length}</td>
                  <td>{d.lastError ?? ""}</td>
                  <td><Time at={d.createdAt} /></td>
                  <td>
                    <form method="post" action={`/console/webhooks/${ep.id}/deliveries/${d.id}/replay`} class="inline" data-confirm="Send this delivery again?">
                      <CsrfField token={csrf} />
                      <button class="secondary" type="submit">Replay</button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Activity</h2>
      <ul>{ep.activity.map((a) => <li><Time at={a.at} /> {a.type}: {a.detail}</li>)}</ul>
    </>
  );
}
