import { ZDependentsResponse } from "@kms/domain";
import { QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { makeQueryClient } from "../../../lib/query-client";
import { detail, listItem, PROJECT } from "../../../testing/fixtures";
import { mockApi } from "../../../testing/render-app";
import { DeleteKeyDialog } from "./delete-key-dialog";

afterEach(() => vi.unstubAllGlobals());

const key = listItem({ alias: "orders-key" });

function api() {
  return mockApi((c) => {
    if (c.path.endsWith("/dependents"))
      return {
        body: ZDependentsResponse.parse({
          items: [
            {
              principalId: "p1",
              principalName: "billing-app",
              kind: "user",
              service: null,
              requests: 40,
              lastUsedAt: "2026-11-20T08:00:00.000Z",
              operations: ["encrypt-data"],
            },
          ],
        }),
      };
    if (c.path.endsWith("/schedule-deletion")) return { body: detail({ ...key, state: "pending_deletion" }) };
    return undefined;
  });
}

function renderDialog() {
  const onOpenChange = vi.fn();
  render(
    <QueryClientProvider client={makeQueryClient()}>
      <DeleteKeyDialog
        projectId={PROJECT}
        keys={[{ id: key.id, alias: key.alias }]}
        open
        onOpenChange={onOpenChange}
      />
    </QueryClientProvider>,
  );
  return { onOpenChange };
}

describe("delete key dialog", () => {
  it("lists the keys and who still uses them, with a 7-day default waiting period", async () => {
    api();
    renderDialog();
    expect(screen.getByText("orders-key")).toBeInTheDocument();
    expect(await screen.findByText(/billing-app/)).toBeInTheDocument();
    expect(screen.getByRole("spinbutton", { name: "Waiting period (days)" })).toHaveValue(7);
  });

  it("when DELETE is not typed, then nothing is sent and the field says why", async () => {
    const { calls } = api();
    renderDialog();
    const user = userEvent.setup();
    const confirm = screen.getByRole("textbox", { name: "Type DELETE to confirm" });
    await user.type(confirm, "delete");
    await user.click(screen.getByRole("button", { name: "Schedule deletion" }));
    expect(confirm).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByText("Type DELETE exactly.")).toBeInTheDocument();
    expect(calls.some((c) => c.method === "POST")).toBe(false);
  });

  it("refuses a waiting period outside 7–1096 days", async () => {
    const { calls } = api();
    renderDialog();
    const user = userEvent.setup();
    const days = screen.getByRole("spinbutton", { name: "Waiting period (days)" });
    await user.clear(days);
    await user.type(days, "1097");
    await user.type(screen.getByRole("textbox", { name: "Type DELETE to confirm" }), "DELETE");
    await user.click(screen.getByRole("button", { name: "Schedule deletion" }));
    expect(days).toHaveAttribute("aria-invalid", "true");
    expect(calls.some((c) => c.method === "POST")).toBe(false);
  });

  it("schedules the deletion with the chosen period", async () => {
    const { calls } = api();
    const { onOpenChange } = renderDialog();
    const user = userEvent.setup();
    const days = screen.getByRole("spinbutton", { name: "Waiting period (days)" });
    await user.clear(days);
    await user.type(days, "30");
    await user.type(screen.getByRole("textbox", { name: "Type DELETE to confirm" }), "DELETE");
    await user.click(screen.getByRole("button", { name: "Schedule deletion" }));
    await waitFor(() => expect(onOpenChange).toHaveBeenCalledWith(false));
    const post = calls.find((c) => c.method === "POST")!;
    expect(post.path).toBe(`/api/keys/${key.id}/schedule-deletion`);
    expect(post.body).toEqual({ pendingDays: 30 });
  });
});
