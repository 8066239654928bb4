import { expect, test } from "./support/fixtures.js";
import { firstUse, type Stack } from "./support/stack.js";

const FREE_QUOTA = 20_000;
const TRAFFIC = 21_000;

/** OBS-style traffic: `total` signed create-datakey calls on obs/default, `concurrency` at a time. */
async function obsTraffic(stack: Stack, total: number, concurrency: number): Promise<void> {
  const obs = stack.service("obs");
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next += 1;
      const res = await obs.call("create-datakey", { key_id: "obs/default", datakey_length: "256" });
      if (res.status !== 200) throw new Error(`create-datakey: ${res.status} ${JSON.stringify(res.body)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** "$0.0030" → 0.003 (en-US formatting of the cards). */
const amount = (text: string) => Number(text.replace(/[^0-9.]/g, ""));

test("[USAGE] traffic past the free quota shows on the usage page with a charge that follows the price", async ({
  page,
  stack,
  signInAs,
  step,
}) => {
  test.setTimeout(120_000);
  await signInAs("admin");
  await firstUse(stack, "obs");

  await step(`OBS sends ${TRAFFIC.toLocaleString("en-US")} requests`, async () => {
    await obsTraffic(stack, TRAFFIC, 32);
  });

  await step("The usage page shows the free quota used up and a charge", async () => {
    await page.goto("/usage");
    await expect(page.getByRole("heading", { level: 1, name: "Usage & billing" })).toBeVisible();
    const quota = page.getByRole("region", { name: "Free requests used" });
    await expect(quota).toContainText(`20,000 / ${FREE_QUOTA.toLocaleString("en-US")}`);
    await expect(page.getByRole("meter", { name: "Free requests used" })).toHaveAttribute(
      "value",
      String(FREE_QUOTA),
    );

    // One card of the summary: a term and its definition.
    const card = (label: string) =>
      page
        .locator("dl > div")
        .filter({ has: page.getByRole("term").getByText(label, { exact: true }) })
        .getByRole("definition");
    // The page follows new usage live; wait until it has caught up with all of the traffic.
    const value = async (label: string) => amount((await card(label).textContent()) ?? "");
    await expect.poll(() => value("Billable requests")).toBeGreaterThanOrEqual(TRAFFIC - FREE_QUOTA);
    const billable = await value("Billable requests");
    const charges = await value("Request charges");
    expect(charges).toBeGreaterThan(0);
    // Pricing: 0.03 per 10,000 requests beyond the free quota (shown to 4 decimals).
    expect(charges).toBeCloseTo((billable / 10_000) * 0.03, 4);
  });
});
