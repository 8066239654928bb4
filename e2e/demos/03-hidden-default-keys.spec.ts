import { createSfs } from "@kms/cloud-sim";
import { expect, keyRow, test } from "./support/fixtures.js";
import { firstUse } from "./support/stack.js";

test("[HIDDEN-KEYS] a service-managed default key is listed only when hidden keys are shown", async ({
  page,
  stack,
  signInAs,
  step,
}) => {
  await signInAs("admin");
  await firstUse(stack, "obs"); // a visible key, so the table has loaded when we look for the hidden one

  await step("After SFS creates its first encrypted file system, sfs/default is not listed", async () => {
    await createSfs(stack.sim).createFileSystem("team-share");
    await page.goto("/keys");
    await expect(keyRow(page, "obs/default")).toBeVisible();
    await expect(keyRow(page, "sfs/default")).toHaveCount(0);
  });

  await step("Showing keys hidden by their service lists it, marked Hidden", async () => {
    const toggle = page.getByRole("switch", { name: "Show keys hidden by their service" });
    await expect(toggle).not.toBeChecked();
    await toggle.click();
    await expect(toggle).toBeChecked();
    const row = keyRow(page, "sfs/default");
    await expect(row).toBeVisible();
    await expect(row.getByText("Hidden", { exact: true })).toBeVisible();
    await expect(row.getByText("Scalable File Service", { exact: true })).toBeVisible();
    await expect(row.getByText("Read-only", { exact: true })).toBeVisible();
    await expect(page).toHaveURL(/hidden=true/);
  });
});
