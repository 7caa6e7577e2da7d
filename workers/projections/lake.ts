import type { AnyEvent } from "../../src/contracts/events";
import { sha256Hex } from "../../src/platform/hash";
import { redactPii, type PiiHasher } from "./pii";
import { utc } from "./read-model";

export const LAKE_PREFIX = "events/";

/** Hive-style partition of an event: by type, then by the UTC day and hour it happened. */
function partitionOf(event: AnyEvent): string {
  const time = utc(event.time);
  return `${LAKE_PREFIX}type=${event.type}/date=${time.slice(0, 10)}/hour=${time.slice(11, 13)}`;
}

/** A lake object key: `<partition>/<batch id>.ndjson.gz`. */
export const LAKE_KEY = /^events\/type=[a-z_.0-9]+\/date=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/[0-9a-f]{32}\.ndjson\.gz$/;

/**
 * The batch's id is a hash of its event ids, so a batch delivered again writes the same
 * keys and overwrites its own objects instead of adding a second copy of its events.
 */
async function batchIdOf(events: AnyEvent[]): Promise<string> {
  return (await sha256Hex(events.map((event) => event.id).sort().join("\n"))).slice(0, 32);
}

async function gzip(text: string): Promise<ArrayBuffer> {
  return new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
}

async function gunzip(body: ReadableStream): Promise<string> {
  return new Response(body.pipeThrough(new DecompressionStream("gzip"))).text();
}

/**
 * Writes the events to the lake with their PII hashed: one gzip NDJSON object per partition
 * the batch touches (never one per event), lines in event-id order so the same batch always
 * makes the same bytes.
 */
export async function landInLake(bucket: R2Bucket, events: AnyEvent[], hash: PiiHasher): Promise<void> {
  if (events.length === 0) return;
  const batchId = await batchIdOf(events);
  const partitions = new Map<string, AnyEvent[]>();
  for (const event of [...events].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const key = `${partitionOf(event)}/${batchId}.ndjson.gz`;
    partitions.set(key, [...(partitions.get(key) ?? []), event]);
  }
  await Promise.all(
    [...partitions].map(async ([key, members]) => {
      const lines = await Promise.all(members.map(async (event) => JSON.stringify(await redactPii(event, hash))));
      await bucket.put(key, await gzip(`${lines.join("\n")}\n`), {
        httpMetadata: { contentType: "application/x-ndjson" },
        customMetadata: { events: String(members.length) },
      });
    }),
  );
}

/** The events of one lake object, as stored (PII hashed). */
export async function readLakeObject(bucket: R2Bucket, key: string): Promise<unknown[]> {
  const object = await bucket.get(key);
  if (!object) return [];
  const text = await gunzip(object.body);
  return text
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as unknown);
}
