import { test as base, expect, type Page } from "@playwright/test";
import { openStack, type Stack } from "./stack.js";

export type Role = "admin" | "viewer";
type Cookie = Awaited<ReturnType<ReturnType<Page["context"]>["cookies"]>>[number];

interface WorkerFixtures {
  stack: Stack;
  /** Session cookies per role, signed in once per worker through the BFF (sign-in is rate limited). */
  sessionCookies: (role: Role) => Promise<Cookie[]>;
}

interface TestFixtures {
  /** Puts a session of `role` into the page's browser context (no sign-in form). */
  signInAs: (role: Role) => Promise<void>;
  /** A named step; in demo mode (DEMO=1) it ends with a screenshot. */
  step: (title: string, body: () => Promise<void>) => Promise<void>;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  stack: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring
    async ({}, use) => use(openStack()),
    { scope: "worker" },
  ],
  sessionCookies: [
    async ({ playwright, stack }, use, workerInfo) => {
      const baseURL = workerInfo.project.use.baseURL;
      const cache = new Map<Role, Cookie[]>();
      await use(async (role) => {
        const known = cache.get(role);
        if (known) return known;
        const ctx = await playwright.request.newContext({ baseURL });
        const res = await ctx.post("/api/session", {
          data: { username: role, password: stack.credentials.users[role].password },
        });
        expect(res.status(), `API sign-in as ${role}`).toBe(201);
        const cookies = (await ctx.storageState()).cookies;
        await ctx.dispose();
        cache.set(role, cookies);
        return cookies;
      });
    },
    { scope: "worker" },
  ],
  signInAs: async ({ page, sessionCookies }, use) => {
    await use(async (role) => page.context().addCookies(await sessionCookies(role)));
  },
  step: async ({ page }, use, testInfo) => {
    let n = 0;
    await use(async (title, body) => {
      await test.step(title, async () => {
        await body();
        if (process.env.DEMO === "1") {
          n += 1;
          const name = `${String(n).padStart(2, "0")}-${title.replace(/[^a-zA-Z0-9]+/g, "-").slice(0, 60)}.png`;
          await page.screenshot({ path: testInfo.outputPath(name) });
        }
      });
    });
  },
});

export { expect };

/** Signs in through the sign-in form, as a person would. */
export async function signInWithForm(page: Page, stack: Stack, role: Role): Promise<void> {
  await page.goto("/");
  await page.getByLabel("User name").fill(role);
  await page.getByLabel("Password").fill(stack.credentials.users[role].password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Keys" })).toBeVisible();
}

/** The keys table row whose alias link is `alias`. */
export function keyRow(page: Page, alias: string) {
  return page.getByRole("row").filter({ has: page.getByRole("link", { name: alias, exact: true }) });
}

/** The BFF session of this page: its project and CSRF token, for calls the UI would not make. */
export async function bffSession(page: Page): Promise<{ projectId: string; csrfToken: string }> {
  const res = await page.request.get("/api/session");
  expect(res.status()).toBe(200);
  const body = (await res.json()) as { projectId: string; csrfToken: string };
  return { projectId: body.projectId, csrfToken: body.csrfToken };
}
