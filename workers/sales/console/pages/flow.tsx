import { QUEUES } from "../../../../src/contracts/topology";
import type { AdminApi } from "../admin-client";
import { FlowSummary, OrdersPage, parkedLetters, stuckOrders } from "../answers";
import { BarChart } from "../charts";
import { duration, ProblemBox, Status } from "../layout";
import { OrderList } from "./orders";

/** Which order status means "waiting for" which queue's consumer; the rest have no stage. */
const WAITING_AT: Record<string, string> = { billing: "placed", warehouse: "billed" };
const CONSUMER: Record<string, string> = {
  billing: "Billing",
  warehouse: "Warehouse",
  sales: "Sales",
  integrations: "Integrations",
  projections: "Projections",
  "order-flow": "Order flow (starts each orchestrated order's Workflow)",
};

/** The Flow page's live part: the services as a diagram with counts, per stage, per queue, per minute. */
export async function flowView(admin: AdminApi) {
  const [flow, stuck, parked, recent] = await Promise.all([
    admin.get("/admin/reports/flow?minutes=60", FlowSummary),
    stuckOrders(admin),
    parkedLetters(admin),
    admin.get("/admin/reports/orders?limit=10", OrdersPage),
  ]);
  if (!flow.ok) return <ProblemBox what="The flow summary" problem={flow.problem} />;
  const { statuses, perMinute, stages } = flow.data;
  const count = (status: string) => statuses.find((s) => s.status === status)?.orders ?? 0;
  const parkedIn = (queue: string) => (parked.ok ? parked.data.letters.filter((l) => l.queue === queue).length : 0);
  const parkedMore = parked.ok && parked.data.nextCursor ? "+" : "";
  const stuckAt = (status: string) => (stuck.ok ? stuck.data.orders.filter((o) => o.status === status).length : 0);
  const p50 = (stage: string) => {
    const found = stages.find((s) => s.stage === stage);
    return found ? duration(found.p50Ms) : "—";
  };
  const lastMinute = perMinute.at(-1)?.placed ?? 0;
  const placedHour = perMinute.reduce((n, m) => n + m.placed, 0);
  return (
    <>
      <p class="live-note">Orders placed in the last 60 minutes, from the reporting read model; updates every few seconds.</p>
      <FlowDiagram
        waiting={{ billing: count("placed"), warehouse: count("billed"), ready: count("ready_to_ship") }}
        parked={Object.fromEntries(QUEUES.map((q) => [q, `${parkedIn(q)}${parkedMore}`]))}
        p50={{ billing: p50("placed_to_billed"), warehouse: p50("billed_to_ready_to_ship") }}
      />
      <div class="cards">
        <Card label="Orders per minute (last minute)" value={lastMinute} id="per-minute" />
        <Card label="Orders per minute (hour average)" value={(placedHour / 60).toFixed(1)} />
        <Card label="Ready to ship (hour)" value={count("ready_to_ship")} id="ready-count" />
        <Card label="Stuck (watchdog)" value={stuck.ok ? stuck.data.orders.length : "?"} />
        <Card label="Parked dead letters" value={parked.ok ? `${parked.data.letters.length}${parkedMore}` : "?"} />
      </div>
      <h2>Stages</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr><th scope="col">Stage</th><th scope="col" class="num">Orders in it now</th><th scope="col" class="num">Reported stuck</th><th scope="col" class="num">p50 to next</th></tr>
          </thead>
          <tbody>
            {[
              ["placed", "placed_to_billed"],
              ["billed", "billed_to_ready_to_ship"],
              ["ready_to_ship", undefined],
              ["billing_failed", undefined],
              ["cancelled", undefined],
            ].map(([status, stage]) => (
              <tr>
                <th scope="row"><Status value={status} /></th>
                <td class="num" data-stage={status}>{count(status!)}</td>
                <td class="num">{stage ? stuckAt(status!) : "—"}</td>
                <td class="num">{stage ? p50(stage) : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Queues</h2>
      {parked.ok ? null : <ProblemBox what="Dead letters" problem={parked.problem} />}
      <div class="table-wrap">
        <table>
          <thead>
            <tr><th scope="col">Queue</th><th scope="col">Consumer</th><th scope="col" class="num">Orders waiting for it</th><th scope="col" class="num">Parked letters</th></tr>
          </thead>
          <tbody>
            {QUEUES.map((queue) => (
              <tr>
                <th scope="row"><code>{queue}</code></th>
                <td>{CONSUMER[queue]}</td>
                <td class="num">{WAITING_AT[queue] ? count(WAITING_AT[queue]) : "—"}</td>
                <td class="num" data-parked={queue}>
                  <a href={`/console/dead-letters?queue=${queue}`}>{`${parkedIn(queue)}${parkedMore}`}</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Orders per minute</h2>
      <BarChart
        id="per-minute-chart"
        title="Orders placed and reaching ready to ship per minute, last 60 minutes"
        labels={perMinute.map((m) => m.minute.slice(11))}
        series={[
          { name: "placed", color: "#0b57d0", values: perMinute.map((m) => m.placed) },
          { name: "ready to ship", color: "#146c2e", values: perMinute.map((m) => m.readyToShip) },
        ]}
      />
      <h2>Latest orders</h2>
      {recent.ok ? (
        <OrderList orders={recent.data.orders} caption="The ten newest orders." />
      ) : (
        <ProblemBox what="Latest orders" problem={recent.problem} />
      )}
    </>
  );
}

const Card = (props: { label: string; value: string | number; id?: string }) => (
  <div class="card" id={props.id}>
    <div class="muted">{props.label}</div>
    <div class="value">{props.value}</div>
  </div>
);

/** Sales → Billing → Warehouse → Sales, Integrations and Projections beside them, with what waits where. */
function FlowDiagram(props: { waiting: { billing: number; warehouse: number; ready: number }; parked: Record<string, string>; p50: { billing: string; warehouse: string } }) {
  const box = (x: number, y: number, name: string, line: string) => (
    <g>
      <rect x={x} y={y} width="140" height="64" rx="8" fill="#f4f5f7" stroke="#1a1a1a" />
      <text x={x + 70} y={y + 26} text-anchor="middle" font-size="15" font-weight="700" fill="#1a1a1a">{name}</text>
      <text x={x + 70} y={y + 48} text-anchor="middle" font-size="13" fill="#1a1a1a">{line}</text>
    </g>
  );
  const arrow = (x1: number, y1: number, x2: number, y2: number, queue: string, extra: string) => (
    <g>
      <line x1={x1} y1={y1} x2={x2} y2={y2} stroke="#0b57d0" stroke-width="2" marker-end="url(#head)" />
      <text x={(x1 + x2) / 2 + (x1 === x2 ? 8 : 0)} y={(y1 + y2) / 2 - 22} text-anchor={x1 === x2 ? "start" : "middle"} font-size="12" fill="#0b57d0">{queue}</text>
      <text x={(x1 + x2) / 2 + (x1 === x2 ? 8 : 0)} y={(y1 + y2) / 2 - 8} text-anchor={x1 === x2 ? "start" : "middle"} font-size="12" fill="#0b57d0">{`parked ${props.parked[queue] ?? 0}`}</text>
      {extra ? <text x={(x1 + x2) / 2} y={(y1 + y2) / 2 + 18} text-anchor="middle" font-size="12" fill="#4a4a4a">{extra}</text> : null}
    </g>
  );
  return (
    <figure>
      <svg viewBox="0 0 860 260" role="img" aria-labelledby="flow-title" id="flow-diagram">
        <title id="flow-title">{`Order flow: ${props.waiting.billing} placed orders wait for Billing, ${props.waiting.warehouse} billed orders wait for Warehouse, ${props.waiting.ready} are ready to ship`}</title>
        <defs>
          <marker id="head" markerWidth="10" markerHeight="10" refX="9" refY="5" orient="auto">
            <path d="M0,0 L10,5 L0,10 z" fill="#0b57d0" />
          </marker>
        </defs>
        {box(10, 40, "Sales", "POST /orders")}
        {arrow(150, 72, 238, 72, "billing", `p50 ${props.p50.billing}`)}
        {box(240, 40, "Billing", `${props.waiting.billing} placed`)}
        {arrow(380, 72, 468, 72, "warehouse", `p50 ${props.p50.warehouse}`)}
        {box(470, 40, "Warehouse", `${props.waiting.warehouse} billed`)}
        {arrow(610, 72, 698, 72, "sales", "")}
        {box(700, 40, "Sales", `${props.waiting.ready} ready to ship`)}
        {box(240, 180, "Integrations", "email, SMS, webhooks")}
        {box(470, 180, "Projections", "reports, lake")}
        {arrow(310, 106, 310, 176, "integrations", "")}
        {arrow(540, 106, 540, 176, "projections", "")}
      </svg>
      <figcaption class="muted">Every service publishes to the integrations and projections queues; parked counts are the dead-letter archive's.</figcaption>
    </figure>
  );
}
