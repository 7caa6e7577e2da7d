import { z } from "zod";
import { eventCatalog, type EventType } from "../../src/contracts/events";

// The shapes of webhook endpoints and deliveries, once: the admin API validates and documents
// with these schemas, and the registry's views are their inferred types.

export const EventTypeName = z.enum(Object.keys(eventCatalog) as [EventType, ...EventType[]]);

export const EndpointInput = z
  .strictObject({
    url: z.string().max(2048),
    description: z.string().max(500).optional(),
    eventTypes: z.array(EventTypeName).max(50).optional().meta({ description: "Event types to receive; absent or empty: all of them." }),
  })
  .meta({ id: "WebhookEndpointInput", example: { url: "https://example.com/webhooks/choreo", eventTypes: ["order.placed.v1"], description: "ERP" } });
export type EndpointInput = z.infer<typeof EndpointInput>;

export const EndpointPatch = z
  .strictObject({
    url: z.string().max(2048).optional(),
    description: z.string().max(500).optional(),
    eventTypes: z.array(EventTypeName).max(50).optional(),
    enabled: z.boolean().optional().meta({ description: "Re-enable a disabled endpoint, or pause one." }),
  })
  .meta({ id: "WebhookEndpointPatch" });
export type EndpointPatch = z.infer<typeof EndpointPatch>;

export const Endpoint = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string(),
    /** Empty: every event type. */
    eventTypes: z.array(z.string()),
    status: z.enum(["enabled", "disabled"]),
    disabledReason: z.string().optional(),
    failingSince: z.string().optional(),
    previousSecretExpiresAt: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
    activity: z.array(z.object({ type: z.string(), at: z.string(), detail: z.string() })),
  })
  .meta({ id: "WebhookEndpoint" });
export type EndpointView = z.infer<typeof Endpoint>;
export type EndpointStatus = EndpointView["status"];

export const RotatedSecret = z.object({ secret: z.string(), previousSecretExpiresAt: z.string() });
export type RotatedSecret = z.infer<typeof RotatedSecret>;

export const DeliveryStatus = z.enum(["pending", "sending", "retrying", "scheduled", "delivered", "failed"]);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

export const Attempt = z.object({
  attempt: z.number(),
  at: z.string(),
  statusCode: z.number().optional(),
  latencyMs: z.number(),
  response: z.string().optional().meta({ description: "First 1 KiB of the response body; absent when it was empty, and for test sends, which never keep it" }),
  error: z.string().optional(),
});
export type AttemptView = z.infer<typeof Attempt>;

export const Delivery = z
  .object({
    id: z.string(),
    webhookId: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    status: DeliveryStatus,
    nextAttemptAt: z.string().optional(),
    lastError: z.string().optional(),
    createdAt: z.string(),
    attempts: z.array(Attempt),
  })
  .meta({ id: "WebhookDelivery" });
export type DeliveryView = z.infer<typeof Delivery>;
