import { workerProject } from "../../test/worker-project.ts";

export default workerProject({ name: "sandbox", config: "workers/sandbox/wrangler.toml", include: ["workers/sandbox/**/*.test.ts"] });
