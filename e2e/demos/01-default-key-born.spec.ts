import { createObs } from "@kms/cloud-sim";
import { expect, keyRow, signInWithForm, test } from "./support/fixtures.js";

test("[DEFAULT-KEYS] a default key is born on the service's first use and appears live", async ({
  page,
  stack,
  step,
}) => {
  // The console's live channel must be open before the key is born, or there is nothing to hear.
  const eventsOpen = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/events");

  await step("An administrator signs in", async () => {
    await signInWithForm(page, stack, "admin");
    await eventsOpen;
  });

  await step("The project has no obs/default yet", async () => {
    await expect(page.getByText(/keys$|No keys match these filters\./).first()).toBeVisible();
    await expect(keyRow(page, "obs/default")).toHaveCount(0);
  });

  // A marker on the window survives only if the page is never reloaded.
  await page.evaluate(() => {
    (globalThis as unknown as { __noReload: boolean }).__noReload = true;
  });

  const report = new TextEncoder().encode("Q3 revenue: 1,234,567. Confidential.");
  await step("OBS stores its first object with server-side encryption (key type Default)", async () => {
    const obs = createObs(stack.sim);
    const uploaded = await obs.upload(report, "q3-report.txt");
    expect(uploaded.keyType).toBe("default");
    // The object is really encrypted under a data key of obs/default, and comes back intact.
    const { bytes, metadata } = await obs.download("q3-report.txt");
    expect(new Uint8Array(bytes)).toEqual(report);
    expect(metadata.encryption.keyId).toBe(uploaded.keyId);
  });

  await step("The key appears in the list without a reload", async () => {
    const row = keyRow(page, "obs/default");
    await expect(row).toBeVisible();
    await expect(row.getByText("Default", { exact: true })).toBeVisible();
    await expect(row.getByText("Read-only", { exact: true })).toBeVisible();
    await expect(row.getByText("Object Storage Service", { exact: true })).toBeVisible();
    await expect(row.getByText("Enabled", { exact: true })).toBeVisible();
    expect(await page.evaluate(() => (globalThis as unknown as { __noReload?: boolean }).__noReload)).toBe(
      true,
    );
  });
});
