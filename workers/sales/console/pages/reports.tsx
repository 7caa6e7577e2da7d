import type { AdminApi } from "../admin-client";
import { SalesPerDay, StageLatencyDays, TopSkus } from "../answers";
import { BarChart } from "../charts";
import { duration, money, ProblemBox } from "../layout";

const STAGE_COLORS: Record<string, string> = { placed_to_billed: "#0b57d0", billed_to_ready_to_ship: "#8a4b00", placed_to_ready_to_ship: "#146c2e" };

/** The last 30 days: sales per day and p50 stage latency as charts, and the numbers behind them. */
export async function reportsView(admin: AdminApi) {
  const [sales, latency, skus] = await Promise.all([
    admin.get("/admin/reports/sales-per-day", SalesPerDay),
    admin.get("/admin/reports/stage-latency", StageLatencyDays),
    admin.get("/admin/reports/top-skus?limit=10", TopSkus),
  ]);
  const days = (rows: { day: string }[]) => [...new Set(rows.map((r) => r.day))].sort();
  return (
    <>
      <h2>Sales per day</h2>
      {sales.ok ? (
        <>
          <BarChart
            id="sales-chart"
            title="Orders placed per day, last 30 days"
            labels={days(sales.data.days).map((d) => d.slice(5))}
            series={[{ name: "orders", color: "#0b57d0", values: days(sales.data.days).map((d) => sales.data.days.filter((r) => r.day === d).reduce((n, r) => n + r.orders, 0)) }]}
          />
          <div class="table-wrap">
            <table>
              <thead><tr><th scope="col">Day</th><th scope="col">Currency</th><th scope="col" class="num">Orders</th><th scope="col" class="num">Revenue</th><th scope="col" class="num">Refunded</th></tr></thead>
              <tbody>{sales.data.days.map((r) => <tr><td>{r.day}</td><td>{r.currency}</td><td class="num">{r.orders}</td><td class="num">{money(r.revenue, r.currency)}</td><td class="num">{money(r.refunded, r.currency)}</td></tr>)}</tbody>
            </table>
          </div>
        </>
      ) : (
        <ProblemBox what="Sales per day" problem={sales.problem} />
      )}
      <h2>Stage latency (p50)</h2>
      {latency.ok ? (
        <>
          <BarChart
            id="latency-chart"
            title="Median time per stage, per day placed, last 30 days"
            labels={days(latency.data.days).map((d) => d.slice(5))}
            format={duration}
            series={Object.entries(STAGE_COLORS).map(([stage, color]) => ({
              name: stage.replaceAll("_", " "),
              color,
              values: days(latency.data.days).map((d) => latency.data.days.find((r) => r.day === d && r.stage === stage)?.p50Ms ?? 0),
            }))}
          />
          <div class="table-wrap">
            <table>
              <thead><tr><th scope="col">Day</th><th scope="col">Stage</th><th scope="col" class="num">Orders</th><th scope="col" class="num">p50</th><th scope="col" class="num">p95</th></tr></thead>
              <tbody>{latency.data.days.map((r) => <tr><td>{r.day}</td><td>{r.stage}</td><td class="num">{r.orders}</td><td class="num">{duration(r.p50Ms)}</td><td class="num">{duration(r.p95Ms)}</td></tr>)}</tbody>
            </table>
          </div>
        </>
      ) : (
        <ProblemBox what="Stage latency" problem={latency.problem} />
      )}
      <h2>Top SKUs</h2>
      {skus.ok ? (
        <div class="table-wrap">
          <table>
            <thead><tr><th scope="col">SKU</th><th scope="col">Name</th><th scope="col" class="num">Units</th><th scope="col" class="num">Revenue</th></tr></thead>
            <tbody>{skus.data.skus.map((s) => <tr><td><code>{s.sku}</code></td><td>{s.name}</td><td class="num">{s.units}</td><td class="num">{money(s.revenue, s.currency)}</td></tr>)}</tbody>
          </table>
        </div>
      ) : (
        <ProblemBox what="Top SKUs" problem={skus.problem} />
      )}
    </>
  );
}
