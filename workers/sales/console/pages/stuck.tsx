import type { AdminApi, Answer } from "../admin-client";
import { OrdersPage, parkedLetters, stuckOrders, type ReportedOrder } from "../answers";
import { money, ProblemBox, Status, Time } from "../layout";

/** What needs a look: the watchdog's stuck orders, billing failures and compensations. */
export async function stuckView(admin: AdminApi) {
  const [stuck, failed, cancelled, parked] = await Promise.all([
    stuckOrders(admin),
    admin.get("/admin/reports/orders?status=billing_failed&limit=25", OrdersPage),
    admin.get("/admin/reports/orders?status=cancelled&limit=25", OrdersPage),
    parkedLetters(admin),
  ]);
  return (
    <>
      {parked.ok && parked.data.letters.length ? (
        <p class="panel">
          <a href="/console/dead-letters">{parked.data.letters.length}{parked.data.nextCursor ? "+" : ""} parked dead letter(s)</a> may explain a stuck order.
        </p>
      ) : null}
      <h2>Stuck (watchdog)</h2>
      {!stuck.ok ? (
        <ProblemBox what="The watchdog's list" problem={stuck.problem} />
      ) : stuck.data.orders.length ? (
        <div class="table-wrap">
          <table>
            <thead><tr><th scope="col">Order</th><th scope="col">Waiting in</th><th scope="col">Since</th><th scope="col">Reported</th></tr></thead>
            <tbody>
              {stuck.data.orders.map((o) => (
                <tr><td><a class="mono" href={`/console/orders/${o.orderId}`}>{o.orderId}</a></td><td><Status value={o.status} /></td><td><Time at={o.since} /></td><td><Time at={o.reportedAt} /></td></tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p>No order is waiting longer than its stage allows.</p>
      )}
      <h2>Billing failures</h2>
      <OrderTable answer={failed} what="Billing failures" column="Failed" at={(o) => o.billingFailedAt} />
      <h2>Compensations (cancelled, refunded)</h2>
      <OrderTable answer={cancelled} what="Compensations" column="Refunded" at={(o) => o.refundedAt} extra={(o) => (o.stockUnavailableAt ? "stock unavailable" : o.refundedAmount ? `refunded ${money(o.refundedAmount, o.currency)}` : "")} />
    </>
  );
}

function OrderTable(props: {
  answer: Answer<OrdersPage>;
  what: string;
  column: string;
  at: (o: ReportedOrder) => string | null;
  extra?: (o: ReportedOrder) => string;
}) {
  if (!props.answer.ok) return <ProblemBox what={props.what} problem={props.answer.problem} />;
  if (!props.answer.data.orders.length) return <p>None.</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead><tr><th scope="col">Order</th><th scope="col" class="num">Total</th><th scope="col">{props.column}</th><th scope="col">Note</th></tr></thead>
        <tbody>
          {props.answer.data.orders.map((o) => (
            <tr><td><a class="mono" href={`/console/orders/${o.orderId}`}>{o.orderId}</a></td><td class="num">{money(o.total, o.currency)}</td><td><Time at={props.at(o)} /></td><td>{props.extra?.(o) ?? ""}</td></tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
