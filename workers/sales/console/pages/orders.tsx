import { OrderStatus } from "../../../../src/contracts/values";
import type { AdminApi } from "../admin-client";
import { OrdersPage, type ReportedOrder } from "../answers";
import { money, ProblemBox, Status, Time } from "../layout";

/** The search form: an order id goes straight to its page; a status lists the read model's orders in it. */
export function OrderSearch(props: { status?: string | undefined; id?: string | undefined }) {
  return (
    <form method="get" action="/console/orders" class="panel fields" role="search">
      <div>
        <label for="order-id">Order id</label>
        <input id="order-id" name="id" placeholder="ord_01…" value={props.id ?? ""} size={32} />
      </div>
      <div>
        <label for="order-status">Status</label>
        <select id="order-status" name="status">
          <option value="">any</option>
          {OrderStatus.options.map((s) => (
            <option value={s} selected={props.status === s}>{s}</option>
          ))}
        </select>
      </div>
      <button type="submit">Search</button>
    </form>
  );
}

export async function ordersView(admin: AdminApi, status: string | undefined) {
  const orders = await admin.get(`/admin/reports/orders?limit=50${status ? `&status=${status}` : ""}`, OrdersPage);
  if (!orders.ok) return <ProblemBox what="Orders" problem={orders.problem} />;
  if (!orders.data.orders.length) return <p>No orders{status ? ` in ${status}` : ""}.</p>;
  return <OrderList orders={orders.data.orders} caption="Newest first, from the reporting read model (50 at most)." />;
}

/** Orders of the read model, each linked to its page. */
export function OrderList(props: { orders: ReportedOrder[]; caption: string }) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="muted">{props.caption}</caption>
        <thead>
          <tr><th scope="col">Order</th><th scope="col">Status</th><th scope="col" class="num">Total</th><th scope="col">Placed</th><th scope="col">Ready to ship</th></tr>
        </thead>
        <tbody>
          {props.orders.map((o) => (
            <tr data-order-id={o.orderId}>
              <td><a class="mono" href={`/console/orders/${o.orderId}`}>{o.orderId}</a></td>
              <td><Status value={o.status} /></td>
              <td class="num">{money(o.total, o.currency)}</td>
              <td><Time at={o.placedAt} /></td>
              <td><Time at={o.readyAt} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
