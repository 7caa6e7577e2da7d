import { QUEUES } from "../../../../src/contracts/topology";
import type { AdminApi } from "../admin-client";
import { LettersPage } from "../answers";
import { CsrfField, ProblemBox, Status, Time } from "../layout";

export const LETTER_STATUSES = ["parked", "replayed", "discarded"] as const;

export function LetterFilters(props: { queue?: string | undefined; status?: string | undefined }) {
  return (
    <form method="get" action="/console/dead-letters" class="panel fields">
      <div>
        <label for="letter-queue">Queue</label>
        <select id="letter-queue" name="queue">
          <option value="">all queues</option>
          {QUEUES.map((q) => <option value={q} selected={props.queue === q}>{q}</option>)}
        </select>
      </div>
      <div>
        <label for="letter-status">Status</label>
        <select id="letter-status" name="status">
          {LETTER_STATUSES.map((s) => <option value={s} selected={(props.status ?? "parked") === s}>{s}</option>)}
        </select>
      </div>
      <button type="submit">Show</button>
    </form>
  );
}

/** The archive's letters: error and attempts, replay one or a selection, discard with a reason. */
export async function lettersView(admin: AdminApi, filter: { queue?: string | undefined; status: string }, csrf: string) {
  const query = new URLSearchParams({ status: filter.status, limit: "100", ...(filter.queue ? { queue: filter.queue } : {}) });
  const letters = await admin.get(`/admin/dead-letters?${query}`, LettersPage);
  if (!letters.ok) return <ProblemBox what="Dead letters" problem={letters.problem} />;
  if (!letters.data.letters.length) return <p>No {filter.status} letters{filter.queue ? ` in ${filter.queue}` : ""}.</p>;
  const parked = filter.status === "parked";
  return (
    <>
      {parked ? (
        <form id="replay-selection" method="post" action="/console/dead-letters/replay" data-confirm="Replay the selected letters to their queues?">
          <CsrfField token={csrf} />
          <button type="submit">Replay selected</button>
        </form>
      ) : null}
      <div class="table-wrap">
        <table>
          <caption class="muted">Newest failure first (100 at most).</caption>
          <thead>
            <tr>
              {parked ? <th scope="col">Select</th> : null}
              <th scope="col">Letter</th><th scope="col">Error</th><th scope="col" class="num">Attempts</th><th scope="col">Last failed</th><th scope="col">Status</th>{parked ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {letters.data.letters.map((l) => (
              <tr data-letter-id={l.id} data-subject={l.subject ?? ""}>
                {parked ? (
                  <td><input type="checkbox" name="ids" value={l.id} form="replay-selection" id={`select-${l.id}`} aria-label={`Select letter ${l.id}`} /></td>
                ) : null}
                <td>
                  <div><code>{l.queue}</code> · <code>{l.eventType ?? "not an event"}</code></div>
                  {l.subject ? <div>order <a class="mono" href={`/console/orders/${l.subject}`}>{l.subject}</a></div> : null}
                  <div class="muted mono">{l.id}</div>
                </td>
                <td><strong>{l.reason}</strong>: {l.error}{l.discardReason ? <div class="muted">discarded: {l.discardReason}</div> : null}</td>
                <td class="num">{l.attempts} (died {l.failures}×)</td>
                <td><Time at={l.lastFailedAt} /></td>
                <td><Status value={l.status} /></td>
                {parked ? (
                  <td>
                    <form method="post" action={`/console/dead-letters/${l.id}/replay`} class="inline" data-confirm="Replay this letter to its queue?">
                      <CsrfField token={csrf} />
                      <button type="submit" aria-label={`Replay letter ${l.id}`}>Replay</button>
                    </form>
                    <details>
                      <summary>Discard…</summary>
                      <form method="post" action={`/console/dead-letters/${l.id}/discard`} data-confirm="Discard this letter? It will never be replayed.">
                        <CsrfField token={csrf} />
                        <label for={`reason-${l.id}`}>Reason</label>
                        <input id={`reason-${l.id}`} name="reason" required maxlength={500} placeholder=" " />
                        <button class="danger" type="submit">Discard</button>
                      </form>
                    </details>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
