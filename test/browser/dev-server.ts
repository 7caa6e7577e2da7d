import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, renameSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { WORKERS, SANDBOX } from "../../scripts/workers.mjs";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The .dev.vars files `npm run dev` writes; ones there before are set aside, so this run's sandbox port is the one used. */
const devVars = () => [...new Set([".dev.vars", ...[...WORKERS, SANDBOX].map((w: { config: string }) => w.config.replace(/wrangler\.toml$/, ".dev.vars"))])].map((file) => path.join(ROOT, file));

export type DevServer = { url: string; sandboxUrl: string; output(): string; stop(): Promise<void> };

/** `npm run dev` on free ports, as a developer runs it; resolves once it is seeded and ready. */
export async function startDev(): Promise<DevServer> {
  const [port, sandboxPort, inspectorPort] = [await freePort(), await freePort(), await freePort()];
  const setAside = devVars().filter((file) => existsSync(file));
  for (const file of setAside) renameSync(file, `${file}.browser-test`);
  const child: ChildProcess = spawn("npm", ["run", "dev"], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PORT: String(port), SANDBOX_PORT: String(sandboxPort), INSPECTOR_PORT: String(inspectorPort) },
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const stop = async () => {
    try {
      process.kill(-child.pid!, "SIGTERM"); // npm, dev.mjs and the wrangler sessions it started, as a group
    } catch {}
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    for (const file of devVars()) rmSync(file, { force: true });
    for (const file of setAside) renameSync(`${file}.browser-test`, file);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm run dev was not ready within 150 s:\n${output.slice(-3000)}`)), 150_000);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("choreo is running")) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on("data", read);
      child.stderr!.on("data", read);
      child.on("exit", (code) => reject(new Error(`npm run dev exited with ${code}:\n${output.slice(-3000)}`)));
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://localhost:${port}`, sandboxUrl: `http://127.0.0.1:${sandboxPort}`, output: () => output, stop };
}
