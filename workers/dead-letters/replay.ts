import { chunks, type QueueProducers } from "../../src/platform/queues";
import type { Letter } from "./archive";

export type ReplayResult = { replayed: string[]; skipped: { id: string; reason: string }[] };

/**
 * Puts letters back on the queue they died on, as they were. A replay of an event that
 * was in fact processed is harmless: the consumer's inbox recognises its id.
 */
export async function replayLetters(letters: Letter[], producers: QueueProducers): Promise<ReplayResult> {
  const result: ReplayResult = { replayed: [], skipped: [] };
  const byQueue = new Map<string, Letter[]>();
  for (const letter of letters) {
    if (letter.status === "discarded") {
      result.skipped.push({ id: letter.id, reason: "discarded" });
      continue;
    }
    byQueue.set(letter.queue, [...(byQueue.get(letter.queue) ?? []), letter]);
  }
  for (const [queue, group] of byQueue) {
    const producer = producers[queue as keyof QueueProducers];
    if (!producer) {
      for (const letter of group) result.skipped.push({ id: letter.id, reason: `no producer binding for queue ${queue}` });
      continue;
    }
    for (const chunk of chunks(group, (letter) => JSON.stringify(letter.body).length)) {
      await producer.sendBatch(chunk.map((letter) => ({ body: letter.body, contentType: "json" as const })));
      result.replayed.push(...chunk.map((letter) => letter.id));
    }
  }
  return result;
}
