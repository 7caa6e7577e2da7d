import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { QUEUES } from "../../src/contracts/topology";
import { createAdminApi, problemResponse } from "../../src/platform/http";
import { queueProducers } from "../../src/platform/queues";
import { Problem } from "../../src/platform/problem";
import { cursorParam, limitParam } from "../../src/platform/paging";
import { archiveOf, LETTER_ID } from "./archive";
import { LetterSchema, Status } from "./letter-shape";
import { replayLetters } from "./replay";

type Env = { Bindings: DeadLettersEnv };

const Timestamp = z.iso.datetime({ offset: true });
const IdParam = z.object({ id: z.string().regex(LETTER_ID, "expected a dead-letter id such as dl_01…") });
/** A queue whose letters the archive keeps: one of the topology's, never empty (an empty filter would select every letter). */
const QueueName = z.enum(QUEUES);
/** The order a message was about (its CloudEvents subject). */
const Subject = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, "expected an order id such as ord_01…");
const EventTypeName = z.string().regex(/^[a-z][a-z_]*(\.[a-z][a-z_]*)+\.v[0-9]+$/, "expected an event type such as order.placed.v1");
const ListQuery = z.strictObject({
  queue: QueueName.optional(),
  type: EventTypeName.optional(),
  subject: Subject.optional(),
  status: Status.optional(),
  since: Timestamp.optional(),
  until: Timestamp.optional(),
  limit: limitParam(50),
  cursor: cursorParam(LETTER_ID).optional(),
});
const ReplaySelection = z
  .strictObject({
    ids: z.array(IdParam.shape.id).min(1).max(1000).optional(),
    queue: QueueName.optional(),
    type: EventTypeName.optional(),
    subject: Subject.optional(),
    since: Timestamp.optional(),
    until: Timestamp.optional(),
  })
  .refine((selection) => Object.keys(selection).length > 0, "name the letters to replay: ids, or a queue, type, order or time range");
const DiscardRequest = z.strictObject({ reason: z.string().trim().min(1).max(500) }).meta({ example: { reason: "test order, refunded by hand" } });
const ReplayResult = z.object({ replayed: z.array(z.string()), skipped: z.array(z.object({ id: z.string(), reason: z.string() })) });
const notFound = (id: string) => new Problem(404, "dead-letter-not-found", "Dead letter not found", `There is no dead letter ${id}.`);

/** The admin API over the dead-letter archive: see what died and why, replay it or let it go. */
export function createDeadLetterApi() {
  const app = createAdminApi<Env>("dead-letters");

  app.openapi(
    createRoute({
      method: "get",
      path: "/admin/dead-letters",
      summary: "List dead letters, newest failure first",
      request: { query: ListQuery },
      responses: {
        200: { description: "A page of letters", content: { "application/json": { schema: z.object({ letters: z.array(LetterSchema), nextCursor: z.string().optional() }) } } },
        401: problemResponse("Missing or wrong admin token"),
        422: problemResponse("Invalid filter"),
      },
    }),
    async (c) => c.json(await archiveOf(c.env).list(c.req.valid("query")), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/admin/dead-letters/{id}",
      summary: "Inspect one dead letter, with its original message",
      request: { params: IdParam },
      responses: { 200: { description: "The letter", content: { "application/json": { schema: LetterSchema } } }, 404: problemResponse("No such letter") },
    }),
    async (c) => {
      const letter = await archiveOf(c.env).get(c.req.valid("param").id);
      if (!letter) throw notFound(c.req.valid("param").id);
      return c.json(letter, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/admin/dead-letters/{id}/replay",
      summary: "Send one dead letter back to its queue",
      request: { params: IdParam },
      responses: { 200: { description: "Replayed", content: { "application/json": { schema: ReplayResult } } }, 404: problemResponse("No such letter") },
    }),
    async (c) => {
      const archive = archiveOf(c.env);
      const letter = await archive.get(c.req.valid("param").id);
      if (!letter) throw notFound(c.req.valid("param").id);
      const result = await replayLetters([letter], queueProducers(c.env));
      await archive.markReplayed(result.replayed);
      return c.json(result, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/admin/dead-letters/replay",
      summary: "Send many parked dead letters back to their queues",
      description: "Replays the parked letters named by `ids`, or matching a queue, event type, order (`subject`) and failure time range (up to 1000 at once).",
      request: { body: { content: { "application/json": { schema: ReplaySelection } }, required: true } },
      responses: { 200: { description: "What was replayed", content: { "application/json": { schema: ReplayResult } } }, 422: problemResponse("Invalid selection") },
    }),
    async (c) => {
      const archive = archiveOf(c.env);
      const { letters } = await archive.list({ ...c.req.valid("json"), status: "parked", limit: 1000 });
      const result = await replayLetters(letters, queueProducers(c.env));
      await archive.markReplayed(result.replayed);
      return c.json(result, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/admin/dead-letters/{id}",
      summary: "Discard a dead letter (kept, marked discarded, never replayed)",
      request: { params: IdParam },
      responses: { 200: { description: "Discarded", content: { "application/json": { schema: LetterSchema } } }, 404: problemResponse("No such letter") },
    }),
    async (c) => {
      const letter = await archiveOf(c.env).discard(c.req.valid("param").id);
      if (!letter) throw notFound(c.req.valid("param").id);
      return c.json(letter, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/admin/dead-letters/{id}/discard",
      summary: "Discard a dead letter with the operator's reason (kept, marked discarded, never replayed)",
      request: { params: IdParam, body: { content: { "application/json": { schema: DiscardRequest } }, required: true } },
      responses: {
        200: { description: "Discarded", content: { "application/json": { schema: LetterSchema } } },
        404: problemResponse("No such letter"),
        422: problemResponse("No reason, or one over 500 characters"),
      },
    }),
    async (c) => {
      const letter = await archiveOf(c.env).discard(c.req.valid("param").id, c.req.valid("json").reason);
      if (!letter) throw notFound(c.req.valid("param").id);
      return c.json(letter, 200);
    },
  );

  app.doc31("/openapi.json", { openapi: "3.1.0", info: { title: "choreo dead-letter API", version: "1.0.0" } });
  return app;
}
