import { z } from "zod";
import { eventCatalog, type EventType } from "../contracts/events";
import { errorMessage, log } from "./log";
import { OneRefresh } from "./one-refresh";

/**
 * Which event types at least one enabled webhook endpoint takes. The WebhookRegistry writes it
 * to KV whenever its endpoints change; publishers read it to send the integrations queue only
 * the events a webhook (or a customer notice) needs. `all` when an endpoint takes every type.
 */
export const WebhookSubscriptions = z.object({
  all: z.boolean(),
  types: z.array(z.enum(Object.keys(eventCatalog) as [EventType, ...EventType[]])),
  updatedAt: z.iso.datetime({ offset: true }),
});
export type WebhookSubscriptions = z.infer<typeof WebhookSubscriptions>;

/** The KV key of the set, in the `WEBHOOK_SUBSCRIPTIONS` namespace. */
export const WEBHOOK_SUBSCRIPTIONS_KEY = "webhook-subscriptions";

/** How long an isolate trusts the set it read, unless `WEBHOOK_SUBSCRIPTIONS_TTL_SECONDS` says otherwise. */
export const DEFAULT_TTL_SECONDS = 30;

export type WebhookSubscriptionsEnv = { WEBHOOK_SUBSCRIPTIONS?: KVNamespace; WEBHOOK_SUBSCRIPTIONS_TTL_SECONDS?: string | number };

/** The set of subscribed types; `undefined` means every type (an endpoint takes all, or the set is unknown). */
export type SubscribedTypes = ReadonlySet<EventType> | undefined;

/** The set the enabled endpoints' event types make; an endpoint with no types takes all. */
export function webhookSubscriptionsFrom(endpointTypes: readonly (readonly EventType[])[], now: Date): WebhookSubscriptions {
  return { all: endpointTypes.some((types) => types.length === 0), types: [...new Set(endpointTypes.flat())].sort(), updatedAt: now.toISOString() };
}

export function subscribedTypesOf(subscriptions: WebhookSubscriptions): SubscribedTypes {
  return subscriptions.all ? undefined : new Set(subscriptions.types);
}

/** What an isolate last read, and until when it trusts it; while one caller reads KV again, the others keep it (`OneRefresh`). */
export type SubscriptionsCache = { entry?: { value: SubscribedTypes; until: number }; refresh?: OneRefresh };

// Per isolate: one KV read per TTL, whatever the number of events published meanwhile.
const isolateCache: SubscriptionsCache = {};

/**
 * The subscribed types as of at most TTL seconds ago, so a new endpoint receives the events
 * published from then on. Without the binding, or when KV fails or the registry has not
 * written the set yet, `undefined`: treat every type as subscribed (nothing is lost, it only
 * costs messages). What was read, a missing set included, is kept for the TTL.
 */
export async function webhookSubscriptions(
  env: WebhookSubscriptionsEnv,
  { cache = isolateCache, now = Date.now() }: { cache?: SubscriptionsCache; now?: number } = {},
): Promise<SubscribedTypes> {
  const refresh = (cache.refresh ??= new OneRefresh());
  if (cache.entry && (cache.entry.until > now || refresh.underway(WEBHOOK_SUBSCRIPTIONS_KEY))) return cache.entry.value;
  const kv = env.WEBHOOK_SUBSCRIPTIONS;
  if (!kv) return undefined;
  return refresh.run([WEBHOOK_SUBSCRIPTIONS_KEY], () => readSubscriptions(env, kv, cache, now));
}

async function readSubscriptions(env: WebhookSubscriptionsEnv, kv: KVNamespace, cache: SubscriptionsCache, now: number): Promise<SubscribedTypes> {
  try {
    const stored = WebhookSubscriptions.safeParse(await kv.get(WEBHOOK_SUBSCRIPTIONS_KEY, "json"));
    // Not written yet (a fresh deployment): every type, and asked again within the same TTL, so
    // an isolate does not read KV for every event it publishes meanwhile.
    const value = stored.success ? subscribedTypesOf(stored.data) : undefined;
    const ttl = Number(env.WEBHOOK_SUBSCRIPTIONS_TTL_SECONDS ?? DEFAULT_TTL_SECONDS);
    cache.entry = { value, until: now + (Number.isFinite(ttl) ? ttl : DEFAULT_TTL_SECONDS) * 1000 };
    return value;
  } catch (error) {
    log("warn", "webhook subscriptions unreadable; sending every type to integrations", { error: errorMessage(error) });
    return undefined;
  }
}

/** The lookup a publisher's relay calls before each run (bound to its env). */
export const webhookSubscriptionsOf = (env: WebhookSubscriptionsEnv) => () => webhookSubscriptions(env);
