// The console's stylesheet and its one small script, served as files (the page's CSP allows
// no inline code). Plain text in the bundle: nothing to build.

export const STYLES = `
:root { --ink:#1a1a1a; --muted:#4a4a4a; --line:#c8c8c8; --bg:#fff; --panel:#f4f5f7; --accent:#0b57d0; --ok:#146c2e; --warn:#8a4b00; --bad:#b3261e; font-family: system-ui, sans-serif; color: var(--ink); background: var(--bg); }
body { margin: 0; line-height: 1.45; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible { outline: 3px solid #f9a825; outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; z-index: 2; }
header { background: #202124; color: #fff; padding: .5rem 1rem; display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; }
header .brand { font-weight: 700; }
header nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem 1rem; margin: 0; padding: 0; }
header a { color: #fff; } header a[aria-current=page] { font-weight: 700; text-decoration-thickness: 3px; }
header form { margin-left: auto; }
main { padding: 1rem; max-width: 75rem; margin: 0 auto; }
h1 { font-size: 1.5rem; margin: .25rem 0 1rem; } h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; margin: .75rem 0; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.status { font-weight: 600; } .status-ready_to_ship, .status-sent, .status-delivered, .status-enabled, .status-replayed { color: var(--ok); }
.status-billing_failed, .status-cancelled, .status-failed, .status-disabled, .status-parked { color: var(--bad); }
.status-placed, .status-billed, .status-retrying, .status-scheduled { color: var(--warn); }
.muted { color: var(--muted); } code, .mono { font-family: ui-monospace, monospace; font-size: .9em; word-break: break-all; }
.flash { border-left: 6px solid var(--ok); } .flash.error { border-left-color: var(--bad); }
form.inline { display: inline; }
button, .button { font: inherit; padding: .35rem .8rem; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; min-height: 2.25rem; }
button.secondary { background: #fff; color: var(--accent); } button.danger { background: var(--bad); border-color: var(--bad); }
label { font-weight: 600; display: block; margin: .25rem 0; }
input, select { font: inherit; padding: .35rem; border: 1px solid #767676; border-radius: 4px; min-height: 2.25rem; box-sizing: border-box; max-width: 100%; }
.fields { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(10rem, 1fr)); gap: .75rem; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; }
.card .value { font-size: 1.6rem; font-weight: 700; font-variant-numeric: tabular-nums; }
svg { max-width: 100%; height: auto; } svg text { font-family: system-ui, sans-serif; }
ol.chain { list-style: none; padding: 0; } ol.chain li { border-left: 4px solid var(--accent); padding: .25rem .75rem; margin: 0 0 .5rem; background: var(--panel); }
.error-text { color: var(--bad); font-weight: 600; }
.live-note { font-size: .85rem; color: var(--muted); }
@media (max-width: 40rem) { main { padding: .5rem; } header form { margin-left: 0; } th, td { padding: .3rem; } }
`;

export const SCRIPT = `
// Live regions: each re-reads its fragment every few seconds and swaps it in, so the page
// follows the system without a reload; it waits while the operator is working in it.
for (const region of document.querySelectorAll("[data-live]")) {
  const every = Number(region.dataset.every || 2000);
  const busy = () => region.contains(document.activeElement) || region.querySelector("input:checked, input[type=text]:not(:placeholder-shown)");
  const tick = async () => {
    if (!document.hidden && !busy()) {
      try {
        const response = await fetch(region.dataset.live, { headers: { accept: "text/html" }, credentials: "same-origin", redirect: "manual" });
        if (response.type === "opaqueredirect" || response.status === 401) { location.reload(); return; }
        if (response.ok) {
          region.innerHTML = await response.text();
          region.dataset.updatedAt = new Date().toISOString();
        }
      } catch {}
    }
    setTimeout(tick, every);
  };
  setTimeout(tick, every);
}
// Confirmations: a form with data-confirm asks first.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !confirm(message)) event.preventDefault();
});
`;
