import { Parser } from "@asyncapi/parser";
import { describe, expect, it } from "vitest";
import { asyncApiDocument } from "./asyncapi";
import { eventCatalog } from "./events";
import { QUEUES, typesFor } from "./topology";

describe("the AsyncAPI document", () => {
  it("is a valid AsyncAPI 3.0 document by the reference parser", async () => {
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(asyncApiDocument()));
    const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 0);
    expect(errors.map((error) => `${error.path.join(".")}: ${error.message}`)).toEqual([]);
    expect(document?.version()).toBe("3.0.0");
  });

  it("has a channel per queue carrying exactly the events the topology sends it", async () => {
    const { document } = await new Parser().parse(JSON.stringify(asyncApiDocument()));
    for (const queue of QUEUES) {
      const channel = document!.channels().get(queue);
      expect(channel?.address()).toBe(queue);
      expect(channel!.messages().all().map((message) => message.name()).sort()).toEqual([...typesFor(queue)].sort());
    }
  });

  it("describes every event's envelope and data, so a consumer can be generated from it", async () => {
    const { document } = await new Parser().parse(JSON.stringify(asyncApiDocument()));
    for (const [type, definition] of Object.entries(eventCatalog)) {
      const message = document!.components().messages().get(type);
      const payload = message?.payload()?.json() as { properties: Record<string, { const?: string; properties?: Record<string, unknown> }> };
      expect(payload.properties["type"]?.const).toBe(type);
      expect(Object.keys(payload.properties["data"]?.properties ?? {}).sort()).toEqual(Object.keys((definition.data as unknown as { shape: object }).shape).sort());
    }
  });
});
