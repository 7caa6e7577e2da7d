// The admin API as the scripts reach it: the local `npm run dev` edge by default, or the
// deployed one with --remote (CHOREO_URL and ADMIN_TOKEN from the environment).
import { existsSync, readFileSync } from "node:fs";

function devAdminToken() {
  const vars = existsSync(".dev.vars") ? readFileSync(".dev.vars", "utf8") : "";
  return /^ADMIN_TOKEN=(.*)$/m.exec(vars)?.[1]?.trim() ?? "dev-admin-token";
}

export function adminClient(argv = process.argv.slice(2)) {
  const remote = argv.includes("--remote");
  const base = (process.env.CHOREO_URL ?? (remote ? "" : `http://127.0.0.1:${process.env.PORT ?? 8787}`)).replace(/\/$/, "");
  const token = process.env.ADMIN_TOKEN ?? (remote ? "" : devAdminToken());
  if (!base || !token) {
    throw new Error("--remote needs CHOREO_URL (your Sales worker's URL, e.g. https://choreo-sales.<you>.workers.dev) and ADMIN_TOKEN");
  }
  const headers = { authorization: `Bearer ${token}` };

  async function request(method, path, body) {
    let res;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new Error(`${base} did not answer (${error.cause?.code ?? error.message}); ${remote ? "check CHOREO_URL" : "is `npm run dev` running?"}`);
    }
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
    return res;
  }

  return {
    base,
    json: async (method, path, body) => (await request(method, path, body)).json(),
    bytes: async (path) => new Uint8Array(await (await request("GET", path)).arrayBuffer()),
  };
}

/** Value of `--name <value>` on the command line. */
export function option(name, argv = process.argv.slice(2)) {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? argv[at + 1] : undefined;
}
