import { QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setCsrfToken } from "../../../lib/api-client";
import { makeQueryClient } from "../../../lib/query-client";
import { detail, listItem, PROJECT } from "../../../testing/fixtures";
import { mockApi } from "../../../testing/render-app";
import { CreateKeyDialog } from "./create-key-dialog";

afterEach(() => vi.unstubAllGlobals());

function renderDialog() {
  const onOpenChange = vi.fn();
  render(
    <QueryClientProvider client={makeQueryClient()}>
      <CreateKeyDialog projectId={PROJECT} open onOpenChange={onOpenChange} />
    </QueryClientProvider>,
  );
  return { onOpenChange };
}

describe("create key dialog", () => {
  it("pre-fills the alias with KMS- and four hex digits", () => {
    mockApi(() => undefined);
    renderDialog();
    expect((screen.getByRole("textbox", { name: "Alias" }) as HTMLInputElement).value).toMatch(
      /^KMS-[0-9a-f]{4}$/,
    );
  });

  it("when the alias ends in /default, then it is refused inline, announced, and nothing is sent", async () => {
    const { calls } = mockApi(() => undefined);
    renderDialog();
    const user = userEvent.setup();
    const alias = screen.getByRole("textbox", { name: "Alias" });
    await user.clear(alias);
    await user.type(alias, "obs/default");
    expect(alias).toHaveAttribute("aria-invalid", "true");
    expect(
      screen.getAllByRole("alert").some((a) => /reserved for service default keys/.test(a.textContent ?? "")),
    ).toBe(true);
    await user.click(screen.getByRole("button", { name: "Create" }));
    expect(calls).toHaveLength(0);
  });

  it("counts the description and refuses more than 255 characters", async () => {
    const { calls } = mockApi(() => undefined);
    renderDialog();
    const user = userEvent.setup();
    const description = screen.getByRole("textbox", { name: "Description" });
    expect(screen.getByText("0/255")).toBeInTheDocument();
    await user.click(description);
    await user.paste("x".repeat(256));
    expect(screen.getByText("256/255")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Create" }));
    expect(description).toHaveAttribute("aria-invalid", "true");
    expect(calls).toHaveLength(0);
  });

  it("offers only the usages of the chosen algorithm, and sends a valid request with the CSRF header", async () => {
    const created = detail(listItem({ alias: "signing", spec: "RSA_2048", usage: "SIGN_VERIFY" }));
    const { calls } = mockApi((c) =>
      c.method === "POST" && c.path === "/api/keys" ? { status: 201, body: created } : undefined,
    );
    setCsrfToken("csrf-1");
    const { onOpenChange } = renderDialog();
    const user = userEvent.setup();
    await user.selectOptions(screen.getByRole("combobox", { name: "Algorithm" }), "RSA_2048");
    const usage = screen.getByRole("combobox", { name: "Usage" });
    expect(Array.from((usage as HTMLSelectElement).options, (o) => o.value)).toEqual([
      "SIGN_VERIFY",
      "ENCRYPT_DECRYPT",
    ]);
    const alias = screen.getByRole("textbox", { name: "Alias" });
    await user.clear(alias);
    await user.type(alias, "signing");
    await user.click(screen.getByRole("button", { name: "Create" }));
    await waitFor(() => expect(onOpenChange).toHaveBeenCalledWith(false));
    const post = calls.find((c) => c.method === "POST")!;
    expect(post.query.get("projectId")).toBe(PROJECT);
    expect(post.headers["X-CSRF-Token"]).toBe("csrf-1");
    expect(post.body).toEqual({
      alias: "signing",
      spec: "RSA_2048",
      usage: "SIGN_VERIFY",
      description: "",
      tags: [],
    });
  });

  it("shows the server's field errors inline", async () => {
    mockApi(() => ({
      status: 400,
      body: {
        error: { code: "KMS.0308", message: "Invalid input", fields: { alias: "Alias already exists" } },
      },
    }));
    renderDialog();
    await userEvent.setup().click(screen.getByRole("button", { name: "Create" }));
    const alias = screen.getByRole("textbox", { name: "Alias" });
    await waitFor(() => expect(alias).toHaveAttribute("aria-invalid", "true"));
    expect(screen.getByText("Alias already exists")).toBeInTheDocument();
  });
});
