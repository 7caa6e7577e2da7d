import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DeadLetter } from "../src/contracts/dead-letter";
import { eventCatalog, readEvent, type EventType } from "../src/contracts/events";
import { subscriptions } from "../src/contracts/topology";
import { ROOT } from "./stack";

// docs/events.md is what integrators read; it must not drift from the schemas and topology.
const doc = readFileSync(path.join(ROOT, "docs/events.md"), "utf8");
const sections = new Map(
  doc
    .split(/^## /m)
    .slice(1)
    .map((section) => [section.slice(0, section.indexOf("\n")).replace(/`/g, "").trim(), section]),
);
const example = (section: string) => JSON.parse(/```json\n([\s\S]*?)\n```/.exec(section)![1]!) as unknown;

describe("docs/events.md", () => {
  it.each(Object.keys(eventCatalog) as EventType[])("documents %s with a valid example and its subscribers", (type) => {
    const section = sections.get(type);
    expect(section, `no section for ${type}`).toBeDefined();
    const read = readEvent(example(section!));
    expect(read).toMatchObject({ ok: true, event: { type } });
    const listed = /\*\*Subscribers:\*\* (.*)/.exec(section!)![1]!;
    expect([...listed.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]).sort()).toEqual([...subscriptions[type]].sort());
  });

  it("shows a dead letter in the shape the runtime writes", () => {
    expect(DeadLetter.safeParse(example(sections.get("Dead letters")!)).success).toBe(true);
  });
});
