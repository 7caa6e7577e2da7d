import { z } from "zod";
import type { AdminApi } from "./admin-client";
import { Delivery, Endpoint } from "../../integrations/webhook-shapes";
import { LetterSchema } from "../../dead-letters/letter-shape";
import { FlowSummary } from "../../projections/flow";
import { ReportedOrder } from "../../projections/reports";
import { AdminOrder } from "../api/schemas";

// What the console reads from each admin API answer. Where the owning worker exports its
// schema, that schema is used as is; elsewhere only the fields shown are declared.

export { Delivery, Endpoint, FlowSummary, ReportedOrder };

/** The admin order view; fields added later (such as a `flow` naming an orchestration) are kept. */
export const ConsoleOrder = AdminOrder.loose();
export type ConsoleOrder = z.infer<typeof ConsoleOrder>;

export const OrdersPage = z.object({ orders: z.array(ReportedOrder), nextCursor: z.string().optional() });
export type OrdersPage = z.infer<typeof OrdersPage>;
export const StuckPage = z.object({ orders: z.array(z.object({ orderId: z.string(), status: z.string(), since: z.string(), reportedAt: z.string() })), nextCursor: z.string().optional() });

export const Letter = LetterSchema;
export type Letter = z.infer<typeof Letter>;
export const LettersPage = z.object({ letters: z.array(Letter), nextCursor: z.string().optional() });
export const ReplayResult = z.object({ replayed: z.array(z.string()), skipped: z.array(z.object({ id: z.string(), reason: z.string() })) });

export const Notifications = z.object({
  notifications: z.array(
    z.object({ channel: z.string(), template: z.string(), status: z.string(), attempts: z.number(), to: z.string().optional(), lastError: z.object({ message: z.string() }).optional(), updatedAt: z.string() }),
  ),
});

export const EndpointsPage = z.object({ endpoints: z.array(Endpoint), nextCursor: z.string().optional() });
export const DeliveriesPage = z.object({ deliveries: z.array(Delivery), nextCursor: z.string().optional() });
export const RotatedSecret = z.object({ secret: z.string(), previousSecretExpiresAt: z.string() });

export const SalesPerDay = z.object({ days: z.array(z.object({ day: z.string(), currency: z.string(), orders: z.number(), revenue: z.number(), refunded: z.number() })) });
export const StageLatencyDays = z.object({ days: z.array(z.object({ day: z.string(), stage: z.string(), orders: z.number(), p50Ms: z.number(), p95Ms: z.number() })) });
export const TopSkus = z.object({ skus: z.array(z.object({ sku: z.string(), name: z.string(), currency: z.string(), units: z.number(), revenue: z.number() })) });

/** Reads more than one page shows. */
export const stuckOrders = (admin: AdminApi) => admin.get("/admin/orders/stuck?limit=100", StuckPage);
export const parkedLetters = (admin: AdminApi) => admin.get("/admin/dead-letters?status=parked&limit=500", LettersPage);

/** Anything: for actions whose answer the console only acknowledges. */
export const Anything = z.unknown();
