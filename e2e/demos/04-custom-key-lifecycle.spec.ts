import type { Page } from "@playwright/test";
import { expect, test } from "./support/fixtures.js";

/** The state badge and the one action that proves the state, on the key's detail page. */
async function expectState(page: Page, state: string, action: string) {
  await expect(page.getByRole("button", { name: action, exact: true })).toBeVisible();
  await expect(page.getByText(state, { exact: true }).first()).toBeVisible();
}

test("[CUSTOM-KEY] create, encrypt and decrypt, disable, enable, schedule and cancel deletion", async ({
  page,
  signInAs,
  step,
}) => {
  // The BFF's CSP admits the console's own <style> tags by nonce, and nothing else.
  const cspViolations: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  await signInAs("admin");
  await page.goto("/keys");
  let alias = "";

  await step("Create a key: the name KMS-xxxx is filled in", async () => {
    await page.getByRole("button", { name: "Create key" }).first().click();
    const dialog = page.getByRole("dialog", { name: "Create key" });
    // An open dialog locks the page behind it (Radix injects that rule as a nonce'd <style>).
    await expect(page.locator("body")).toHaveCSS("overflow", "hidden");
    const aliasBox = dialog.getByLabel("Alias");
    await expect(aliasBox).toHaveValue(/^KMS-[0-9a-f]{4,}$/);
    alias = await aliasBox.inputValue();
    await dialog.getByRole("button", { name: "Create", exact: true }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole("heading", { level: 1, name: alias })).toBeVisible();
    await expectState(page, "Enabled", "Disable");
  });

  const plaintext = "Meet me at the usual place at ten.";
  let ciphertext = "";
  await step("Encrypt in the Tool tab", async () => {
    await page.getByRole("tab", { name: "Tool" }).click();
    const panel = page.getByRole("tabpanel", { name: "Tool" });
    await panel.getByLabel("Plaintext").fill(plaintext);
    await panel.getByRole("button", { name: "Encrypt", exact: true }).click();
    const result = panel.getByRole("status");
    await expect(result).toHaveText(/^[A-Za-z0-9+/=]{40,}$/);
    ciphertext = (await result.textContent()) ?? "";
    expect(ciphertext).not.toContain(plaintext);
  });

  await step("Decrypt it again", async () => {
    const panel = page.getByRole("tabpanel", { name: "Tool" });
    await panel.getByRole("radio", { name: "Decrypt" }).check();
    await panel.getByLabel("Ciphertext (base64)").fill(ciphertext);
    await panel.getByRole("button", { name: "Decrypt", exact: true }).click();
    await expect(panel.getByRole("status")).toHaveText(plaintext);
  });

  await step("Disable", async () => {
    await page.getByRole("button", { name: "Disable", exact: true }).click();
    await expectState(page, "Disabled", "Enable");
  });

  await step("Enable", async () => {
    await page.getByRole("button", { name: "Enable", exact: true }).click();
    await expectState(page, "Enabled", "Disable");
  });

  await step("Schedule deletion, typing DELETE", async () => {
    await page.getByRole("button", { name: "Schedule deletion", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Schedule deletion of a key" });
    await expect(dialog.getByText(alias, { exact: true })).toBeVisible();
    const submit = dialog.getByRole("button", { name: "Schedule deletion", exact: true });
    await dialog.getByLabel("Type DELETE to confirm").fill("delete");
    await submit.click();
    await expect(dialog.getByText("Type DELETE exactly.")).toBeVisible();
    await dialog.getByLabel("Type DELETE to confirm").fill("DELETE");
    await submit.click();
    await expect(dialog).toBeHidden();
    await expectState(page, "Pending deletion", "Cancel deletion");
  });

  await step("Cancel the deletion: the key comes back disabled", async () => {
    await page.getByRole("button", { name: "Cancel deletion", exact: true }).click();
    await expectState(page, "Disabled", "Enable");
  });
  expect(cspViolations).toEqual([]);
});
