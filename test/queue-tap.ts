// An auxiliary worker for Workers-pool projects: it consumes the given queues and keeps
// every message body, so a unit test can see exactly what a worker published.
export function queueTap(queues: string[]) {
  return {
    name: "queue-tap",
    modules: true,
    compatibilityDate: "2026-08-01",
    queueConsumers: Object.fromEntries(queues.map((queue) => [queue, { maxBatchSize: 100, maxBatchTimeout: 0 }])),
    script: `
      const received = [];
      export default {
        async queue(batch) {
          for (const message of batch.messages) { received.push({ queue: batch.queue, body: message.body }); message.ack(); }
        },
        fetch() { return Response.json(received); },
      };`,
  };
}

export type Tapped = { queue: string; body: { id: string; type: string; subject: string; data: any; causationid?: string } };
