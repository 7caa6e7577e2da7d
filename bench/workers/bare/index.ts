import { Hono } from "hono";

const app = new Hono();
app.post("/orders", (c) => c.json({ accepted: true }, 202));
// Stands in for the workers Sales forwards admin calls to, which the accept bench leaves out.
app.all("*", (c) => c.json({ bare: true }, 404));

export default app;
