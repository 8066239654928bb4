import { expect, keyRow, test } from "./support/fixtures.js";
import { firstUse } from "./support/stack.js";

test("[I18N] the language switch turns the keys page and a key detail into 简体中文", async ({
  page,
  stack,
  signInAs,
  step,
}) => {
  await signInAs("admin");
  const keyId = await firstUse(stack, "obs");
  await page.goto("/keys");
  await expect(page.getByRole("heading", { level: 1, name: "Keys" })).toBeVisible();

  await step("Switch to 简体中文 on the keys page", async () => {
    await page.getByRole("button", { name: "简体中文" }).click();
    await expect(page.getByRole("button", { name: "简体中文" })).toHaveAttribute("aria-pressed", "true");
    await expect(page.getByRole("heading", { level: 1, name: "密钥" })).toBeVisible();
    await expect(page.getByRole("switch", { name: "显示由服务隐藏的密钥" })).toBeVisible();
    await expect(page.getByRole("navigation").getByRole("link", { name: "用量与计费" })).toBeVisible();
    await expect(keyRow(page, "obs/default").getByText("启用", { exact: true })).toBeVisible();
  });

  await step("A key's detail is in Chinese too", async () => {
    await page.goto(`/keys/${keyId}`);
    await expect(page.getByRole("tab", { name: "基本信息" })).toBeVisible();
    await expect(page.getByRole("tab", { name: "轮换" })).toBeVisible();
    await expect(page.getByRole("note")).toContainText("的默认密钥 —— 由该服务创建和管理");
    await expect(page.getByRole("heading", { name: "Keys" })).toHaveCount(0);
  });

  await step("…and back to English", async () => {
    await page.getByRole("button", { name: "EN" }).click();
    await expect(page.getByRole("tab", { name: "Overview" })).toBeVisible();
  });
});
