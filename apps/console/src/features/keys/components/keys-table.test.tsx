import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { defaultItem, listItem, listResponse, session } from "../../../testing/fixtures";
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
    await user.selectOptions(screen.getByLabelText("Status"), "disabled");
    await user.selectOptions(screen.getByLabelText("Type"), "custom");
    await waitFor(() =>
      expect(router.state.location.search).toMatchObject({ state: ["disabled"], type: "custom" }),
    );
    await waitFor(() => {
      const last = calls.filter((c) => c.path === "/api/keys").at(-1)!;
      expect(last.query.get("state")).toBe("disabled");
      expect(last.query.get("type")).toBe("custom");
    });
  });

  it("when the URL carries filters, then the controls show them (a bookmark restores the view)", async () => {
    const { calls } = keysApi();
    await renderApp("/keys?spec=%5B%22SM4%22%5D&sort=alias&order=asc");
    await screen.findByRole("link", { name: "orders-key" });
    expect(screen.getByLabelText("Algorithm")).toHaveValue("SM4");
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
});
