import { z } from "zod";
import { isCountryCode } from "./countries";

/** Money is always an integer in the currency's minor unit (cents), never a float. */
export const MinorUnits = z.number().int().nonnegative().max(100_000_000_00);
export const Currency = z.string().regex(/^[A-Z]{3}$/, "expected an ISO 4217 code such as USD");

export const Sku = z.string().regex(/^[A-Z0-9][A-Z0-9._-]{0,63}$/, "expected an upper-case SKU such as MUG-001");
export const ORDER_ID = /^ord_[0-9A-HJKMNP-TV-Z]{26}$/;
export const OrderId = z.string().regex(ORDER_ID, "expected an order id such as ord_01J…");

export const Phone = z.string().regex(/^\+[1-9][0-9]{6,14}$/, "expected an E.164 number such as +14155550100");
export const Country = z
  .string()
  .refine(isCountryCode, "expected an ISO 3166-1 alpha-2 country code such as US");

/**
 * Free text a customer types (a name, an address line): trimmed, bounded, and without control
 * characters (U+0000–U+001F, U+007F), which would otherwise reach emails, SMS and the lake.
 */
const Text = (max: number) => z.string().trim().min(1).max(max).regex(/^[^\u0000-\u001F\u007F]*$/, "control characters are not allowed");

export const Customer = z.strictObject({
  name: Text(200),
  email: z.email().max(254),
  phone: Phone.optional(),
});
export type Customer = z.infer<typeof Customer>;

export const Address = z.strictObject({
  line1: Text(200),
  line2: Text(200).optional(),
  city: Text(100),
  region: Text(100).optional(),
  postalCode: Text(20),
  country: Country,
});
export type Address = z.infer<typeof Address>;

/** An order line as priced by Sales from its catalog. */
export const OrderLine = z.object({
  sku: Sku,
  name: z.string(),
  quantity: z.number().int().min(1).max(1000),
  unitPrice: MinorUnits,
  lineTotal: MinorUnits,
});
export type OrderLine = z.infer<typeof OrderLine>;

export const OrderStatus = z.enum(["placed", "billed", "ready_to_ship", "billing_failed", "cancelled"]);
export type OrderStatus = z.infer<typeof OrderStatus>;

/** Why money went back to the customer. */
export const RefundReason = z.enum(["stock_unavailable", "undeliverable", "customer_cancelled"]);
export type RefundReason = z.infer<typeof RefundReason>;
