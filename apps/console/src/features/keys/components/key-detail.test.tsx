import { ZDependentsResponse } from "@kms/domain";
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { defaultItem, detail, listItem, session } from "../../../testing/fixtures";
import { mockApi, renderApp } from "../../../testing/render-app";

afterEach(() => vi.unstubAllGlobals());

const CHANGING = [
  /^Enable$/,
  /^Disable$/,
  /Schedule deletion/,
  /Cancel deletion/,
  /Rotate now/,
  /^Edit/,
  /Edit tags/,
];

function detailApi(role: "admin" | "viewer", body: ReturnType<typeof detail>) {
  return mockApi((call) => {
    if (call.path === "/api/session") return { body: session(role) };
    if (call.path === `/api/keys/${body.id}`) return { body };
    if (call.path.endsWith("/dependents")) return { body: ZDependentsResponse.parse({ items: [] }) };
    if (call.path === "/api/audit") return { body: { items: [], nextCursor: null } };
    return undefined;
  });
}

async function expectNoChangingControl() {
  for (const name of CHANGING) expect(screen.queryByRole("button", { name })).not.toBeInTheDocument();
  // Rotation and tags tabs offer no forms either.
  const user = userEvent.setup();
  await user.click(screen.getByRole("tab", { name: "Rotation" }));
  expect(screen.queryByRole("button", { name: "Save" })).not.toBeInTheDocument();
  await user.click(screen.getByRole("tab", { name: "Tags" }));
  expect(screen.queryByRole("button", { name: "Edit tags" })).not.toBeInTheDocument();
  expect(screen.queryByRole("tab", { name: "Tool" })).not.toBeInTheDocument();
}

describe("key detail", () => {
  it("for a default key, shows why it is read-only and renders no changing control, even for an admin", async () => {
    const key = detail(defaultItem("obs", "Object Storage Service"));
    detailApi("admin", key);
    await renderApp(`/keys/${key.id}`);
    const note = await screen.findByRole("note");
    expect(note).toHaveTextContent(
      "Default key of Object Storage Service — created and managed by the service; it cannot be disabled, deleted, renamed or rotated.",
    );
    await expectNoChangingControl();
  });

  it("for a viewer, renders no changing control on a custom key", async () => {
    const key = detail(listItem({ alias: "orders-key" }), { allowedActions: [], readOnly: true });
    detailApi("viewer", key);
    await renderApp(`/keys/${key.id}`);
    expect(await screen.findByRole("note")).toHaveTextContent(/viewer/);
    await expectNoChangingControl();
  });

  it("for an admin on a custom key, offers exactly what allowedActions allows", async () => {
    const key = detail(listItem({ alias: "orders-key" }), {
      allowedActions: ["disable", "schedule-deletion", "edit", "tags", "tool"],
    });
    detailApi("admin", key);
    await renderApp(`/keys/${key.id}`);
    await screen.findByRole("heading", { name: "orders-key" });
    expect(screen.getByRole("button", { name: "Disable" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Schedule deletion" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Enable" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Rotate now" })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Edit Alias" })).toBeInTheDocument();
    expect(screen.getByRole("tab", { name: "Tool" })).toBeInTheDocument();
  });

  it("edits the alias in place, refusing the /default suffix inline", async () => {
    const key = detail(listItem({ alias: "orders-key" }), { allowedActions: ["edit"] });
    const { calls } = detailApi("admin", key);
    await renderApp(`/keys/${key.id}`);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Edit Alias" }));
    const input = screen.getByRole("textbox", { name: "Alias" });
    await user.clear(input);
    await user.type(input, "mine/default");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(within(input.closest("form")!).getByRole("alert")).toHaveTextContent(
      /reserved for service default keys/,
    );
    expect(calls.some((c) => c.method === "PATCH")).toBe(false);
  });
});
