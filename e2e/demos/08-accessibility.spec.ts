import { AxeBuilder } from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, test } from "./support/fixtures.js";
import { firstUse } from "./support/stack.js";

/** axe on the page as it is now; serious and critical violations fail, with their targets. */
async function expectNoSeriousViolations(page: Page, label: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(bad, `axe on ${label}`).toEqual([]);
}

test.describe("[A11Y] axe finds no serious or critical violations", () => {
  test("on the sign-in page", async ({ page, step }) => {
    await step("Sign-in page", async () => {
      await page.goto("/");
      await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
      await expectNoSeriousViolations(page, "sign-in");
    });
  });

  test("on every page of a signed-in administrator", async ({ page, stack, signInAs, step }) => {
    await signInAs("admin");
    const defaultKeyId = await firstUse(stack, "obs");
    const created = await stack.admin.call<{ key_info: { key_id: string } }>("create-key", {
      key_alias: `a11y-${Date.now()}`,
    });
    const customKeyId = created.body.key_info.key_id;

    const pages: Array<[label: string, url: string, heading: RegExp | string]> = [
      ["keys", "/keys", "Keys"],
      ["keys (hidden shown)", "/keys?hidden=true", "Keys"],
      ["default key detail", `/keys/${defaultKeyId}`, "obs/default"],
      ["custom key detail", `/keys/${customKeyId}`, /^a11y-/],
      ["custom key tool", `/keys/${customKeyId}?tab=tool`, /^a11y-/],
      ["custom key rotation", `/keys/${customKeyId}?tab=rotation`, /^a11y-/],
      ["custom key usage", `/keys/${customKeyId}?tab=usage`, /^a11y-/],
      ["usage", "/usage", "Usage & billing"],
      ["default keys", "/default-keys", "Default keys"],
      ["audit", "/audit", "Audit"],
    ];
    for (const [label, url, heading] of pages) {
      await step(`${label} page`, async () => {
        await page.goto(url);
        await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
        // Wait for the page's data rather than its spinner.
        await expect(page.getByText("Loading…")).toHaveCount(0);
        await expectNoSeriousViolations(page, label);
      });
    }

    await step("create key dialog", async () => {
      await page.goto("/keys");
      await page.getByRole("button", { name: "Create key" }).first().click();
      await expect(page.getByRole("dialog", { name: "Create key" })).toBeVisible();
      await expectNoSeriousViolations(page, "create key dialog");
    });
  });
});
