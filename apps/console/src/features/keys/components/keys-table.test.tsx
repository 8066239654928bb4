import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { defaultItem, detail, listItem, listResponse, session } from "../../../testing/fixtures";
import { mockApi, renderApp } from "../../../testing/render-app";

afterEach(() => vi.unstubAllGlobals());

const custom = listItem({ alias: "orders-key" });
const obs = defaultItem("obs", "Object Storage Service");
const vbs = defaultItem("vbs", "Volume Backup Service");

function keysApi(role: "admin" | "viewer" = "admin") {
  return mockApi((call) => {
    if (call.path === "/api/session") return { body: session(role) };
    if (call.path === "/api/keys") {
      const showHidden = call.query.get("showHidden") === "true";
      return { body: listResponse(showHidden ? [custom, obs, vbs] : [custom, obs]) };
    }
    return undefined;
  });
}

describe("keys table", () => {
  it("badges a default key Default and Read-only with its service's name, and a custom key Custom", async () => {
    keysApi();
    await renderApp("/keys");
    const obsRow = (await screen.findByRole("link", { name: "obs/default" })).closest("tr")!;
    expect(within(obsRow).getByText("Default")).toBeInTheDocument();
    expect(within(obsRow).getByText("Read-only")).toBeInTheDocument();
    expect(within(obsRow).getByText("Object Storage Service")).toBeInTheDocument();
    const customRow = screen.getByRole("link", { name: "orders-key" }).closest("tr")!;
    expect(within(customRow).getByText("Custom")).toBeInTheDocument();
    expect(within(customRow).queryByText("Read-only")).not.toBeInTheDocument();
  });

  it("when a filter changes, then it lands in the URL and in the request", async () => {
    const { calls } = keysApi();
    const { router } = await renderApp("/keys");
    await screen.findByRole("link", { name: "orders-key" });
    const user = userEvent.setup();
    // Status takes several values: the menu stays open while they are ticked.
    await user.click(screen.getByLabelText("Status"));
    await user.click(await screen.findByRole("menuitemcheckbox", { name: "Disabled" }));
    await user.click(screen.getByRole("menuitemcheckbox", { name: "Pending deletion" }));
    await user.keyboard("{Escape}");
    expect(screen.getByLabelText("Status")).toHaveTextContent("Disabled, Pending deletion");
    await user.selectOptions(screen.getByLabelText("Type"), "custom");
    await waitFor(() =>
      expect(router.state.location.search).toMatchObject({
        state: ["disabled", "pending_deletion"],
        type: "custom",
      }),
    );
    await waitFor(() => {
      const last = calls.filter((c) => c.path === "/api/keys").at(-1)!;
      expect(last.query.get("state")).toBe("disabled,pending_deletion");
      expect(last.query.get("type")).toBe("custom");
    });
  });

  it("when the URL carries filters, then the controls show them (a bookmark restores the view)", async () => {
    const { calls } = keysApi();
    await renderApp("/keys?spec=%5B%22SM4%22%5D&sort=alias&order=asc");
    await screen.findByRole("link", { name: "orders-key" });
    expect(screen.getByLabelText("Algorithm")).toHaveTextContent("SM4");
    const req = calls.find((c) => c.path === "/api/keys")!;
    expect(req.query.get("spec")).toBe("SM4");
    expect(req.query.get("sort")).toBe("alias");
    expect(screen.getByRole("columnheader", { name: /Alias/ })).toHaveAttribute("aria-sort", "ascending");
  });

  it("when the hidden switch is turned on, then hidden default keys show, marked Hidden", async () => {
    keysApi();
    const { router } = await renderApp("/keys");
    await screen.findByRole("link", { name: "orders-key" });
    expect(screen.queryByRole("link", { name: "vbs/default" })).not.toBeInTheDocument();
    await userEvent.setup().click(screen.getByRole("switch", { name: "Show keys hidden by their service" }));
    const vbsRow = (await screen.findByRole("link", { name: "vbs/default" })).closest("tr")!;
    expect(within(vbsRow).getByText("Hidden")).toBeInTheDocument();
    expect(router.state.location.search).toMatchObject({ hidden: true });
  });

  it("when sorting by a column header, then the sort goes to the URL", async () => {
    keysApi();
    const { router } = await renderApp("/keys");
    await screen.findByRole("link", { name: "orders-key" });
    await userEvent.setup().click(screen.getByRole("button", { name: /Last used/ }));
    await waitFor(() =>
      expect(router.state.location.search).toMatchObject({ sort: "lastUsedAt", order: "desc" }),
    );
  });

  it("gives a viewer no create button and no row actions", async () => {
    keysApi("viewer");
    await renderApp("/keys");
    await screen.findByRole("link", { name: "orders-key" });
    expect(screen.queryByRole("button", { name: "Create key" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Actions for/ })).not.toBeInTheDocument();
  });

  it("gives an admin row actions for custom keys only", async () => {
    keysApi("admin");
    await renderApp("/keys");
    await screen.findByRole("link", { name: "orders-key" });
    expect(screen.getByRole("button", { name: "Actions for orders-key" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Actions for obs/default" })).not.toBeInTheDocument();
  });

  it("renders server text as text, never as HTML", async () => {
    const evil = listItem({ alias: "x" });
    mockApi((call) => {
      if (call.path === "/api/session") return { body: session() };
      if (call.path === "/api/keys")
        return {
          body: listResponse([
            { ...evil, serviceName: "<img src=x onerror=alert(1)>", isDefault: true, service: "obs" },
          ]),
        };
      return undefined;
    });
    const { container } = await renderApp("/keys");
    await screen.findByText("<img src=x onerror=alert(1)>");
    expect(container.querySelector("img")).toBeNull();
  });

  it("shows an empty state, and an error state with retry", async () => {
    let fail = true;
    mockApi((call) => {
      if (call.path === "/api/session") return { body: session() };
      if (call.path === "/api/keys")
        return fail
          ? { status: 500, body: { error: { code: "CONSOLE.0500", message: "Internal error" } } }
          : { body: listResponse([]) };
      return undefined;
    });
    await renderApp("/keys");
    expect(await screen.findByText(/Internal error/)).toBeInTheDocument();
    fail = false;
    await userEvent.setup().click(screen.getByRole("button", { name: "Retry" }));
    expect(await screen.findByText("No keys match these filters.")).toBeInTheDocument();
  });

  describe("batch actions", () => {
    const a = listItem({ alias: "batch-a" });
    const b = listItem({ alias: "batch-b" });
    const off = listItem({ alias: "batch-off", state: "disabled" });

    function batchApi(role: "admin" | "viewer" = "admin", fail?: string) {
      return mockApi((call) => {
        if (call.path === "/api/session") return { body: session(role) };
        if (call.path === "/api/keys") return { body: listResponse([a, b, off, obs]) };
        const m = /^\/api\/keys\/([^/]+)\/(enable|disable)$/.exec(call.path);
        if (m && call.method === "POST") {
          const item = [a, b, off].find((k) => k.id === m[1])!;
          if (item.id === fail)
            return { status: 409, body: { error: { code: "CONSOLE.0409", message: "Key is busy" } } };
          return { body: detail({ ...item, state: m[2] === "enable" ? "enabled" : "disabled" }) };
        }
        return undefined;
      });
    }

    it("gives custom keys a checkbox labelled with the alias, and default keys none", async () => {
      batchApi();
      await renderApp("/keys");
      await screen.findByRole("link", { name: "batch-a" });
      expect(screen.getByRole("checkbox", { name: "Select batch-a" })).not.toBeChecked();
      expect(screen.getByRole("checkbox", { name: "Select all keys on this page" })).toBeInTheDocument();
      const obsRow = screen.getByRole("link", { name: "obs/default" }).closest("tr")!;
      expect(within(obsRow).queryByRole("checkbox")).not.toBeInTheDocument();
      expect(screen.queryByRole("toolbar")).not.toBeInTheDocument();
    });

    it("gives a viewer no checkboxes at all", async () => {
      batchApi("viewer");
      await renderApp("/keys");
      await screen.findByRole("link", { name: "batch-a" });
      expect(screen.queryByRole("checkbox")).not.toBeInTheDocument();
    });

    it("when two keys are selected and Disable pressed, then both are disabled with the CSRF token and the selection clears", async () => {
      const { calls } = batchApi();
      await renderApp("/keys");
      await screen.findByRole("link", { name: "batch-a" });
      const user = userEvent.setup();
      await user.click(screen.getByRole("checkbox", { name: "Select batch-a" }));
      await user.click(screen.getByRole("checkbox", { name: "Select batch-b" }));
      const bar = screen.getByRole("toolbar", { name: "Actions for the selected keys" });
      expect(within(bar).getByText("2 keys selected")).toBeInTheDocument();
      const listsBefore = calls.filter((c) => c.path === "/api/keys").length;
      await user.click(within(bar).getByRole("button", { name: "Disable" }));

      await waitFor(() => expect(screen.queryByRole("toolbar")).not.toBeInTheDocument());
      const posts = calls.filter((c) => c.method === "POST");
      expect(posts.map((c) => c.path).sort()).toEqual(
        [`/api/keys/${a.id}/disable`, `/api/keys/${b.id}/disable`].sort(),
      );
      for (const p of posts) expect(p.headers["X-CSRF-Token"]).toBe("csrf-token-1");
      expect(screen.getByRole("checkbox", { name: "Select batch-a" })).not.toBeChecked();
      expect(screen.getByRole("checkbox", { name: "Select batch-b" })).not.toBeChecked();
      expect(await screen.findByText("Disable: 2 succeeded, 0 failed, 0 skipped.")).toBeInTheDocument();
      await waitFor(() =>
        expect(calls.filter((c) => c.path === "/api/keys").length).toBeGreaterThan(listsBefore),
      );
    });

    it("skips keys an action does not apply to, and reports failures with the server's message", async () => {
      const { calls } = batchApi("admin", a.id);
      await renderApp("/keys");
      await screen.findByRole("link", { name: "batch-a" });
      const user = userEvent.setup();
      await user.click(screen.getByRole("checkbox", { name: "Select all keys on this page" }));
      expect(screen.getByRole("checkbox", { name: "Select batch-off" })).toBeChecked();
      await user.click(screen.getByRole("button", { name: "Enable" }));
      expect(await screen.findByText("Enable: 1 succeeded, 0 failed, 2 skipped.")).toBeInTheDocument();
      expect(calls.filter((c) => c.method === "POST").map((c) => c.path)).toEqual([
        `/api/keys/${off.id}/enable`,
      ]);

      await user.click(screen.getByRole("checkbox", { name: "Select all keys on this page" }));
      await user.click(screen.getByRole("button", { name: "Disable" }));
      const failure = await screen.findByText(
        /Disable: 1 succeeded, 1 failed, 1 skipped\.\s+batch-a: Key is busy/,
      );
      expect(failure.closest('[role="alert"]')).not.toBeNull();
    });

    it("Delete opens the delete dialog with every selected key", async () => {
      batchApi();
      await renderApp("/keys");
      await screen.findByRole("link", { name: "batch-a" });
      const user = userEvent.setup();
      await user.click(screen.getByRole("checkbox", { name: "Select batch-a" }));
      await user.click(screen.getByRole("checkbox", { name: "Select batch-b" }));
      await user.click(screen.getByRole("button", { name: "Delete" }));
      const dialog = await screen.findByRole("dialog", { name: "Schedule deletion of 2 keys" });
      const list = within(dialog).getByRole("region", { name: "Keys to delete" });
      expect(within(list).getByText("batch-a")).toBeInTheDocument();
      expect(within(list).getByText("batch-b")).toBeInTheDocument();
    });

    it("Clear selection unchecks every key", async () => {
      batchApi();
      await renderApp("/keys");
      await screen.findByRole("link", { name: "batch-a" });
      const user = userEvent.setup();
      await user.click(screen.getByRole("checkbox", { name: "Select batch-a" }));
      await user.click(screen.getByRole("button", { name: "Clear selection" }));
      expect(screen.getByRole("checkbox", { name: "Select batch-a" })).not.toBeChecked();
      expect(screen.queryByRole("toolbar")).not.toBeInTheDocument();
    });
  });
});
