import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Child } from "hono/jsx";
import type { z } from "zod";
import { errorMessage, log } from "../../../src/platform/log";
import { adminApiOf, SignedOut, type AdminApi, type Answer, type Dispatch } from "./admin-client";
import { Anything, ReplayResult, RotatedSecret } from "./answers";
import { SCRIPT, STYLES } from "./assets";
import { setFlash, takeFlash } from "./flash";
import { ActionForm, DiscardForm, PathId, readForm, SelectionForm, SignInForm } from "./forms";
import { Layout, Live } from "./layout";
import { lettersView, LetterFilters, LETTER_STATUSES } from "./pages/dead-letters";
import { flowView } from "./pages/flow";
import { orderView } from "./pages/order";
import { OrderSearch, ordersView } from "./pages/orders";
import { SignInPage } from "./pages/sign-in";
import { stuckView } from "./pages/stuck";
import { endpointView, webhooksView } from "./pages/webhooks";
import { reportsView } from "./pages/reports";
import { csrfTokenOf, endSession, isCsrfTokenOf, isSameOrigin, sessionOf, startSession, type Session } from "./session";
import { QUEUES } from "../../../src/contracts/topology";
import { OrderStatus } from "../../../src/contracts/values";

type ConsoleEnv = { Bindings: SalesEnv; Variables: { admin: AdminApi; csrf: string } };
type Ctx = Context<ConsoleEnv>;

// Scripts and styles come only from /console/assets; nothing may frame the console.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const pick = <T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined => (allowed as readonly string[]).includes(value ?? "") ? (value as T) : undefined;

/**
 * The operations console under /console: server-rendered pages over the admin API. Every read
 * and every action is a request to that API (`dispatch`), with the operator's token from the
 * session cookie; the console keeps no data and has no other way in.
 */
export function createConsole(dispatch: Dispatch) {
  const app = new Hono<ConsoleEnv>();

  app.use("*", async (c, next) => {
    await next();
    const res = c.res;
    res.headers.set("Content-Security-Policy", CSP);
    res.headers.set("Referrer-Policy", "same-origin");
    res.headers.set("Cache-Control", "no-store");
  });
  app.onError((error, c) => {
    if (error instanceof SignedOut) {
      endSession(c);
      return c.redirect("/console/sign-in", 303);
    }
    log("error", "console error", { path: c.req.path, error: errorMessage(error) });
    return c.html(<Layout title="Something went wrong"><p>The console could not show this page; it was logged.</p></Layout>, 500);
  });
  app.get("/assets/console.css", (c) => c.body(STYLES, 200, { "content-type": "text/css; charset=utf-8" }));
  app.get("/assets/console.js", (c) => c.body(SCRIPT, 200, { "content-type": "text/javascript; charset=utf-8" }));
  app.use("*", bodyLimit({ maxSize: 64 * 1024, onError: (c) => c.text("Form too large", 413) }));

  app.get("/sign-in", (c) => c.html(<SignInPage />));
  app.post("/sign-in", async (c) => {
    if (!isSameOrigin(c)) return c.html(<SignInPage error="This form must be sent from the console's own page." />, 403);
    const form = await readForm(c, SignInForm);
    if (!form.ok) return c.html(<SignInPage error={form.errors.map((e) => e.message).join("; ")} />, 422);
    // The admin API is the judge of the token, as it is for every JSON client.
    try {
      const check = await adminApiOf(c, dispatch, form.data.token).get("/admin/orders/stuck?limit=1", Anything);
      if (!check.ok) return c.html(<SignInPage error={`The admin API answered ${check.problem.status}: ${check.problem.title}.`} />, 503);
    } catch (error) {
      if (error instanceof SignedOut) return c.html(<SignInPage error="That is not the admin token." />, 401);
      throw error;
    }
    startSession(c, form.data.token);
    return c.redirect("/console/flow", 303);
  });

  // Past this point: a session, and for every POST the same origin and the session's CSRF token.
  app.use("*", async (c, next) => {
    const session = sessionOf(c);
    if (!session) {
      if (c.req.query("live") !== undefined) return c.text("Signed out", 401);
      return c.redirect("/console/sign-in", c.req.method === "GET" ? 302 : 303);
    }
    if (c.req.method === "POST" && !(await isAllowedPost(c, session))) {
      return c.html(<Layout title="Refused"><p role="alert">The form was not sent from this console's own page, or it has expired. Reload the page and try again.</p></Layout>, 403);
    }
    c.set("admin", adminApiOf(c, dispatch, session.token));
    c.set("csrf", await csrfTokenOf(session));
    await next();
  });

  app.get("/", (c) => c.redirect("/console/flow", 302));
  app.post("/sign-out", (c) => {
    endSession(c);
    return c.redirect("/console/sign-in", 303);
  });

  /** A page whose main part is live: served whole, or only that part when its script asks (?live). */
  const page = (title: (c: Ctx) => string, current: string, live: (c: Ctx) => Promise<Child>, top?: (c: Ctx) => Child) => async (c: Ctx) => {
    const content = await live(c);
    if (c.req.query("live") !== undefined) return c.html(<>{content}</>);
    const query = new URLSearchParams(c.req.query());
    query.set("live", "1");
    return c.html(
      <Layout title={title(c)} current={current} csrf={c.var.csrf} flash={takeFlash(c)}>
        {top?.(c)}
        <Live src={`${c.req.path}?${query}`} label={`${title(c)}, updated live`}>{content}</Live>
      </Layout>,
    );
  };

  app.get("/flow", page(() => "Flow", "/console/flow", (c) => flowView(c.var.admin)));
  app.get("/orders", async (c, next) => {
    const id = c.req.query("id")?.trim();
    if (id) return PathId.safeParse(id).success ? c.redirect(`/console/orders/${id}`, 302) : c.redirect("/console/orders", 302);
    return next();
  });
  app.get(
    "/orders",
    page(() => "Orders", "/console/orders", (c) => ordersView(c.var.admin, pick(c.req.query("status"), OrderStatus.options)), (c) => <OrderSearch status={c.req.query("status")} />),
  );
  app.get("/orders/:id", async (c, next) => (PathId.safeParse(c.req.param("id")).success ? next() : c.notFound()));
  app.get("/orders/:id", page((c) => `Order ${c.req.param("id")}`, "/console/orders", (c) => orderView(c.var.admin, c.req.param("id") ?? "", c.var.csrf)));
  app.get("/stuck", page(() => "Stuck and failed", "/console/stuck", (c) => stuckView(c.var.admin)));
  app.get(
    "/dead-letters",
    page(
      () => "Dead letters",
      "/console/dead-letters",
      (c) => lettersView(c.var.admin, { queue: pick(c.req.query("queue"), QUEUES), status: pick(c.req.query("status"), LETTER_STATUSES) ?? "parked" }, c.var.csrf),
      (c) => <LetterFilters queue={c.req.query("queue")} status={c.req.query("status")} />,
    ),
  );
  app.get("/webhooks", page(() => "Webhooks", "/console/webhooks", (c) => webhooksView(c.var.admin, c.var.csrf)));
  app.get("/webhooks/:id", async (c, next) => (PathId.safeParse(c.req.param("id")).success ? next() : c.notFound()));
  app.get("/webhooks/:id", page((c) => `Webhook endpoint ${c.req.param("id")}`, "/console/webhooks", (c) => endpointView(c.var.admin, c.req.param("id") ?? "", c.var.csrf)));
  app.get("/reports", async (c) => c.html(<Layout title="Reports" current="/console/reports" csrf={c.var.csrf} flash={takeFlash(c)}>{await reportsView(c.var.admin)}</Layout>));

  /**
   * An action: its form validated, then one admin API call, then back to `back` with what
   * happened (post, redirect, get), the API's refusal shown as it gave it.
   */
  const action = <F, T>(form: z.ZodType<F>, run: (c: Ctx, form: F) => Promise<{ answer: Answer<T>; done: (data: T) => string }>, back: (c: Ctx) => string) => async (c: Ctx) => {
    const ids = Object.values(c.req.param() as Record<string, string>);
    const parsed = await readForm(c, form);
    if (!ids.every((id) => PathId.safeParse(id).success)) setFlash(c, { kind: "error", text: "Not an id." });
    else if (!parsed.ok) setFlash(c, { kind: "error", text: "The form is not valid.", errors: parsed.errors });
    else {
      const { answer, done } = await run(c, parsed.data);
      setFlash(c, answer.ok ? { kind: "ok", text: done(answer.data) } : { kind: "error", text: `${answer.problem.title}${answer.problem.detail ? `: ${answer.problem.detail}` : ""}`, ...(answer.problem.errors ? { errors: answer.problem.errors } : {}) });
    }
    return c.redirect(back(c), 303);
  };
  const replayed = (r: z.infer<typeof ReplayResult>) => `Replayed ${r.replayed.length} letter(s)${r.skipped.length ? `; skipped ${r.skipped.map((s) => `${s.id} (${s.reason})`).join(", ")}` : ""}.`;
  const orderPage = (c: Ctx) => `/console/orders/${c.req.param("id")}`;
  const lettersPage = () => "/console/dead-letters";
  const endpointPage = (c: Ctx) => `/console/webhooks/${c.req.param("id")}`;

  app.post("/orders/:id/cancel", action(ActionForm, async (c) => ({ answer: await c.var.admin.send("POST", `/orders/${c.req.param("id")}/cancel`, Anything), done: () => "Order cancelled." }), orderPage));
  app.post("/orders/:id/replay", action(ActionForm, async (c) => ({ answer: await c.var.admin.send("POST", "/admin/dead-letters/replay", ReplayResult, { subject: c.req.param("id") }), done: replayed }), orderPage));
  app.post("/dead-letters/replay", action(SelectionForm, async (c, form) => ({ answer: await c.var.admin.send("POST", "/admin/dead-letters/replay", ReplayResult, { ids: form.ids }), done: replayed }), lettersPage));
  app.post("/dead-letters/:id/replay", action(ActionForm, async (c) => ({ answer: await c.var.admin.send("POST", `/admin/dead-letters/${c.req.param("id")}/replay`, ReplayResult), done: replayed }), lettersPage));
  app.post(
    "/dead-letters/:id/discard",
    action(DiscardForm, async (c, form) => ({ answer: await c.var.admin.send("POST", `/admin/dead-letters/${c.req.param("id")}/discard`, Anything, { reason: form.reason }), done: () => "Letter discarded." }), lettersPage),
  );
  app.post("/webhooks/:id/enable", action(ActionForm, async (c) => ({ answer: await c.var.admin.send("PATCH", `/admin/webhooks/endpoints/${c.req.param("id")}`, Anything, { enabled: true }), done: () => "Endpoint enabled." }), endpointPage));
  app.post(
    "/webhooks/:id/deliveries/:deliveryId/replay",
    action(ActionForm, async (c) => ({ answer: await c.var.admin.send("POST", `/admin/webhooks/endpoints/${c.req.param("id")}/deliveries/${c.req.param("deliveryId")}/replay`, Anything), done: () => "Delivery sent again." }), endpointPage),
  );
  // The new secret is shown once, on this answer, never carried in a cookie or a URL.
  app.post("/webhooks/:id/rotate-secret", async (c) => {
    const id = c.req.param("id");
    const form = await readForm(c, ActionForm);
    const answer = PathId.safeParse(id).success && form.ok ? await c.var.admin.send("POST", `/admin/webhooks/endpoints/${id}/rotate-secret`, RotatedSecret) : undefined;
    if (!answer?.ok) {
      setFlash(c, { kind: "error", text: answer ? answer.problem.title : "The form is not valid." });
      return c.redirect(`/console/webhooks/${PathId.safeParse(id).success ? id : ""}`, 303);
    }
    return c.html(
      <Layout title="Secret rotated" current="/console/webhooks" csrf={c.var.csrf}>
        <div class="panel" role="status">
          <p>The endpoint's new signing secret, shown this once:</p>
          <p class="mono" id="new-secret">{answer.data.secret}</p>
          <p>The previous secret keeps signing until {answer.data.previousSecretExpiresAt}.</p>
          <a href={`/console/webhooks/${id}`}>Back to the endpoint</a>
        </div>
      </Layout>,
    );
  });
  return app;
}

/** Same origin, and the CSRF token of this session in the form (read again by the action's own parse). */
async function isAllowedPost(c: Ctx, session: Session): Promise<boolean> {
  if (!isSameOrigin(c)) return false;
  const type = c.req.header("content-type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded")) return false;
  const body = await c.req.parseBody({ all: true });
  const csrf = body["csrf"];
  return typeof csrf === "string" && (await isCsrfTokenOf(session, csrf));
}
