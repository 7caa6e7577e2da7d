import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import type { Flash } from "./layout";

// The outcome of an action, carried across its redirect (post, redirect, get) for one page view.

const FLASH_COOKIE = "choreo_console_flash";
const options = { path: "/console", secure: true, httpOnly: true, sameSite: "Strict" } as const;
const FlashShape = z.object({ kind: z.enum(["ok", "error"]), text: z.string().max(1000), errors: z.array(z.object({ path: z.string(), message: z.string() })).max(20).optional() });

export function setFlash(c: Context, flash: Flash): void {
  const text = JSON.stringify({ ...flash, text: flash.text.slice(0, 1000), ...(flash.errors ? { errors: flash.errors.slice(0, 20) } : {}) });
  setCookie(c, FLASH_COOKIE, text, { ...options, maxAge: 60 });
}

export function takeFlash(c: Context): Flash | undefined {
  const raw = getCookie(c, FLASH_COOKIE);
  if (!raw) return undefined;
  deleteCookie(c, FLASH_COOKIE, options);
  try {
    const parsed = FlashShape.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
