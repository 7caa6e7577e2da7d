import type { Child } from "hono/jsx";
import type { Problem } from "./admin-client";

export const PAGES = [
  { path: "/console/flow", label: "Flow" },
  { path: "/console/orders", label: "Orders" },
  { path: "/console/stuck", label: "Stuck and failed" },
  { path: "/console/dead-letters", label: "Dead letters" },
  { path: "/console/webhooks", label: "Webhooks" },
  { path: "/console/reports", label: "Reports" },
] as const;

export type Flash = { kind: "ok" | "error"; text: string; errors?: { path: string; message: string }[] };

/** Every console page: navigation, a sign-out form, the outcome of the last action, the content. */
export function Layout(props: { title: string; current?: string; csrf?: string; flash?: Flash | undefined; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · choreo console`}</title>
        <link rel="stylesheet" href="/console/assets/console.css" />
        <script src="/console/assets/console.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#content">Skip to content</a>
        <header>
          <span class="brand">choreo console</span>
          {props.csrf ? (
            <nav aria-label="Console pages">
              <ul>
                {PAGES.map((page) => (
                  <li>
                    <a href={page.path} aria-current={props.current === page.path ? "page" : undefined}>
                      {page.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          ) : null}
          {props.csrf ? (
            <form method="post" action="/console/sign-out">
              <CsrfField token={props.csrf} />
              <button class="secondary" type="submit">Sign out</button>
            </form>
          ) : null}
        </header>
        <main id="content">
          <h1>{props.title}</h1>
          {props.flash ? <FlashBox flash={props.flash} /> : null}
          {props.children}
        </main>
      </body>
    </html>
  );
}

export const CsrfField = (props: { token: string }) => <input type="hidden" name="csrf" value={props.token} />;

function FlashBox(props: { flash: Flash }) {
  return (
    <div class={`panel flash ${props.flash.kind === "error" ? "error" : ""}`} role={props.flash.kind === "error" ? "alert" : "status"}>
      <p>{props.flash.text}</p>
      {props.flash.errors?.length ? (
        <ul>
          {props.flash.errors.map((e) => (
            <li>
              <code>{e.path}</code>: {e.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** What the admin API said when it refused or failed, in place of the section it would fill. */
export function ProblemBox(props: { problem: Problem; what: string }) {
  return (
    <div class="panel flash error" role="alert">
      <p>
        {props.what}: {props.problem.title} ({props.problem.status}){props.problem.detail ? `: ${props.problem.detail}` : ""}
      </p>
    </div>
  );
}

/** A region the page script refreshes from `src` every few seconds. */
export function Live(props: { src: string; label: string; children: Child }) {
  return (
    <section data-live={props.src} aria-label={props.label}>
      {props.children}
    </section>
  );
}

export const Status = (props: { value: string | null | undefined }) => <span class={`status status-${props.value ?? "unknown"}`}>{props.value ?? "—"}</span>;

/** "1.2 s", "3 min 4 s", "2 h 5 min": durations an operator reads at a glance. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export const money = (minor: number | null | undefined, currency: string | null | undefined) =>
  minor === null || minor === undefined ? "—" : `${(minor / 100).toFixed(2)} ${currency ?? ""}`.trim();

export const Time = (props: { at: string | null | undefined }) => (props.at ? <time datetime={props.at}>{props.at.replace("T", " ").slice(0, 19)}</time> : <span>—</span>);
