import { bffSession, expect, signInWithForm, test } from "./support/fixtures.js";
import { firstUse } from "./support/stack.js";

test("[VIEWER] a viewer can read every page, finds no control that changes anything, and a forged change gets 403", async ({
  page,
  stack,
  step,
}) => {
  await firstUse(stack, "obs");
  const created = await stack.admin.call<{ key_info: { key_id: string } }>("create-key", {
    key_alias: `viewer-demo-${Date.now()}`,
  });
  expect(created.status).toBe(200);
  const keyId = created.body.key_info.key_id;

  await step("The viewer signs in", async () => {
    await signInWithForm(page, stack, "viewer");
    await expect(page.getByText("Viewer", { exact: true })).toBeVisible();
  });

  await step("Keys: listed, but nothing to create or act on", async () => {
    await expect(page.getByRole("link", { name: "obs/default", exact: true })).toBeVisible();
    await expect(page.getByRole("button", { name: "Create key" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: /^Actions for / })).toHaveCount(0);
  });

  await step("A custom key's detail: readable, with no changing control", async () => {
    await page.goto(`/keys/${keyId}`);
    await expect(page.getByRole("note")).toContainText("You are signed in as a viewer");
    for (const name of ["Enable", "Disable", "Schedule deletion", "Cancel deletion", "Rotate now"]) {
      await expect(page.getByRole("button", { name, exact: true })).toHaveCount(0);
    }
    await expect(page.getByRole("button", { name: /^Edit / })).toHaveCount(0);
    await expect(page.getByRole("tab", { name: "Tool" })).toHaveCount(0);
    for (const tab of ["Rotation", "Tags"]) {
      await page.getByRole("tab", { name: tab }).click();
      await expect(page.getByRole("tabpanel")).toBeVisible();
      await expect(page.getByRole("switch")).toHaveCount(0);
      await expect(page.getByRole("textbox")).toHaveCount(0);
      await expect(page.getByRole("button", { name: /Rotate|Edit|Add|Remove|Save/ })).toHaveCount(0);
    }
  });

  await step("Usage, default keys and audit can be read", async () => {
    for (const [link, heading] of [
      ["Usage & billing", "Usage & billing"],
      ["Default keys", "Default keys"],
      ["Audit", "Audit"],
    ] as const) {
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: link }).click();
      await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
    }
  });

  await step("A forged change with the viewer's session and CSRF token is refused with 403", async () => {
    const { projectId, csrfToken } = await bffSession(page);
    const res = await page.request.post(`/api/keys/${keyId}/disable?projectId=${projectId}`, {
      headers: { "x-csrf-token": csrfToken },
    });
    expect(res.status()).toBe(403);
    const detail = await stack.admin.call<{ key_info: { key_state: string } }>("describe-key", {
      key_id: keyId,
    });
    expect(detail.body.key_info.key_state).toBe("2"); // still enabled
  });

  await step("The viewer signs out", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  });
});
