import { screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { listResponse, session } from "../../../testing/fixtures";
import { mockApi, renderApp } from "../../../testing/render-app";

afterEach(() => vi.unstubAllGlobals());

const BANNER = "Demo data — this project was seeded with simulated keys and a month of usage.";

function api(demo: boolean) {
  mockApi((call) => {
    if (call.path === "/api/session") return { body: session("viewer", { demo }) };
    if (call.path === "/api/keys") return { body: listResponse([]) };
    return undefined;
  });
}

describe("demo banner", () => {
  it("when the session's project holds demo data, then a status banner says so, with no way to dismiss it", async () => {
    api(true);
    await renderApp("/keys");
    const banner = (await screen.findByText(BANNER)).closest('[role="status"]');
    expect(banner).not.toBeNull();
    expect(banner?.querySelector("button")).toBeNull();
  });

  it("when the project is not a demo, then there is no banner", async () => {
    api(false);
    await renderApp("/keys");
    await screen.findByText("No keys match these filters.");
    expect(screen.queryByText(BANNER)).not.toBeInTheDocument();
  });
});
