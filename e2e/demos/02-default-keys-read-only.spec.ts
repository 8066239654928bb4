import { bffSession, expect, test } from "./support/fixtures.js";
import { firstUse } from "./support/stack.js";

test("[DEFAULT-KEYS] a default key is read-only in the console, the BFF and the KMS API", async ({
  page,
  stack,
  signInAs,
  step,
}) => {
  await signInAs("admin");
  const keyId = await firstUse(stack, "obs");

  await step("obs/default's detail explains why it cannot be changed", async () => {
    await page.goto(`/keys/${keyId}`);
    await expect(page.getByRole("heading", { level: 1, name: "obs/default" })).toBeVisible();
    await expect(page.getByRole("note")).toContainText(
      "Default key of Object Storage Service — created and managed by the service",
    );
  });

  await step("No control changes it, on any tab", async () => {
    const forbidden = [
      "Enable",
      "Disable",
      "Schedule deletion",
      "Cancel deletion",
      "Rotate now",
      "Edit tags",
      "Add tag",
    ];
    for (const name of forbidden)
      await expect(page.getByRole("button", { name, exact: true })).toHaveCount(0);
    await expect(page.getByRole("button", { name: /^Edit / })).toHaveCount(0);
    await expect(page.getByRole("tab", { name: "Tool" })).toHaveCount(0);
    for (const tab of ["Rotation", "Tags"]) {
      await page.getByRole("tab", { name: tab }).click();
      await expect(page.getByRole("tabpanel")).toBeVisible();
      await expect(page.getByRole("switch")).toHaveCount(0);
      await expect(page.getByRole("button", { name: /Rotate|Edit|Add|Remove|Save/ })).toHaveCount(0);
      await expect(page.getByRole("textbox")).toHaveCount(0);
    }
  });

  await step("The same changes sent straight to the BFF are refused with KMS.0211", async () => {
    const { projectId, csrfToken } = await bffSession(page);
    const calls: Array<[method: string, path: string, body?: unknown]> = [
      ["POST", "disable"],
      ["POST", "schedule-deletion", { pendingDays: 7 }],
      ["PATCH", "", { alias: "renamed" }],
      ["PUT", "tags", { tags: [{ key: "team", value: "a" }] }],
      ["PUT", "rotation", { enabled: true, intervalDays: 365 }],
      ["POST", "rotate"],
      ["POST", "encrypt", { plaintext: "hello" }],
    ];
    for (const [method, sub, body] of calls) {
      const res = await page.request.fetch(
        `/api/keys/${keyId}${sub ? `/${sub}` : ""}?projectId=${projectId}`,
        {
          method,
          headers: { "x-csrf-token": csrfToken },
          ...(body === undefined ? {} : { data: body }),
        },
      );
      const json = (await res.json()) as { error?: { code?: string } };
      expect(`${method} ${sub} → ${res.status()} ${json.error?.code}`).toBe(
        `${method} ${sub} → 400 KMS.0211`,
      );
    }
  });

  await step("…and signed as the administrator to the KMS API, likewise", async () => {
    const calls: Array<[operation: string, body: Record<string, unknown>, path?: string]> = [
      ["disable-key", { key_id: keyId }],
      ["schedule-key-deletion", { key_id: keyId, pending_days: "7" }],
      ["update-key-alias", { key_id: keyId, key_alias: "renamed" }],
      ["enable-key-rotation", { key_id: keyId }],
      ["rotate-on-demand", { key_id: keyId }],
      ["create-tag", { tag: { key: "team", value: "a" } }, `${keyId}/tags`],
    ];
    for (const [operation, body, path] of calls) {
      const res = await stack.admin.request<{ error_code?: string }>("POST", path ?? operation, body);
      expect(`${operation} → ${res.status} ${res.body?.error_code}`).toBe(`${operation} → 400 KMS.0211`);
    }
  });
});
