import { z } from "zod";
import { newEventId } from "../platform/ids";

/** The service that published an event; CloudEvents `source`. */
export const Source = z.enum(["/sales", "/billing", "/warehouse", "/integrations", "/projections"]);
export type Source = z.infer<typeof Source>;

/**
 * CloudEvents 1.0, structured JSON mode, with the two extensions every flow needs:
 * `correlationid` ties all events of one order together, `causationid` names the event
 * that caused this one. Unknown extension attributes are kept, as the spec asks.
 */
const envelopeShape = {
  specversion: z.literal("1.0"),
  id: z.string().min(1).max(128),
  source: z.string().min(1),
  type: z.string().regex(/^[a-z][a-z_]*(\.[a-z][a-z_]*)+\.v[0-9]+$/, "expected a versioned type such as order.placed.v1"),
  time: z.iso.datetime({ offset: true }),
  subject: z.string().min(1).max(128),
  datacontenttype: z.literal("application/json"),
  data: z.unknown(),
  correlationid: z.string().min(1).max(128),
  causationid: z.string().min(1).max(128).optional(),
};
export const CloudEvent = z.looseObject(envelopeShape);
export type CloudEvent = z.infer<z.ZodObject<typeof envelopeShape>>;

/** What an event is about and where it comes from in the flow. */
export type EventContext = {
  /** The order id (CloudEvents `subject`). */
  subject: string;
  /** The event this one reacts to; its correlation id is inherited. */
  causedBy?: Pick<CloudEvent, "id" | "correlationid">;
  /** Overrides the clock (tests, replays). */
  time?: Date;
};

export type EventDefinition<T extends string, D extends z.ZodType> = {
  type: T;
  source: Source;
  data: D;
  schema: z.ZodType<TypedEvent<T, z.infer<D>>>;
  create(data: z.input<D>, context: EventContext): TypedEvent<T, z.infer<D>>;
};

export type TypedEvent<T extends string, D> = Omit<CloudEvent, "type" | "data"> & { type: T; data: D };

/** One factory builds every event, so ids, times and correlation are never hand-rolled. */
export function defineEvent<T extends string, D extends z.ZodType>(type: T, source: Source, data: D): EventDefinition<T, D> {
  const schema = z.looseObject({ ...envelopeShape, type: z.literal(type), data }) as unknown as z.ZodType<TypedEvent<T, z.infer<D>>>;
  return {
    type,
    source,
    data,
    schema,
    create(payload, context) {
      return {
        specversion: "1.0",
        id: newEventId(),
        source,
        type,
        time: (context.time ?? new Date()).toISOString(),
        subject: context.subject,
        datacontenttype: "application/json",
        data: data.parse(payload),
        correlationid: context.causedBy?.correlationid ?? context.subject,
        ...(context.causedBy ? { causationid: context.causedBy.id } : {}),
      };
    },
  };
}
