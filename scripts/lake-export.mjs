// `npm run lake:export -- --out <dir> [--remote]`: copies the data lake (gzip NDJSON objects
// under events/type=…/date=…/hour=…/) into <dir>, keeping the keys as paths, so DuckDB reads
// it with hive partitioning. Local by default (`npm run dev` must be running); --remote reads
// the deployed bucket through the deployed admin API. Objects already copied are skipped.
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { adminClient, option } from "./admin-client.mjs";

const out = option("out");
if (!out) {
  console.error("usage: npm run lake:export -- --out <dir> [--remote]");
  process.exit(2);
}
try {
  const admin = adminClient();
  let cursor;
  let copied = 0;
  let skipped = 0;
  do {
    const page = await admin.json("GET", `/admin/lake/objects${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`);
    for (const object of page.objects) {
      const target = path.join(out, ...object.key.split("/"));
      if (existsSync(target) && statSync(target).size === object.size) {
        skipped++;
        continue;
      }
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, await admin.bytes(`/admin/lake/object?key=${encodeURIComponent(object.key)}`));
      copied++;
    }
    cursor = page.cursor;
  } while (cursor);
  const dir = path.resolve(out);
  console.log(`lake: ${copied} objects copied, ${skipped} already there, from ${admin.base} into ${dir}
read it with DuckDB:
  SELECT type, date, count(*) FROM read_json('${dir}/events/**/*.ndjson.gz', hive_partitioning = true, union_by_name = true) GROUP BY ALL;`);
} catch (error) {
  console.error(String(error.message ?? error));
  process.exit(1);
}
