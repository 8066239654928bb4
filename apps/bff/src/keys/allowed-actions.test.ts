import { describe, expect, it } from "vitest";
import { allowedActions, defaultKeyReason, type KeyFacts, readOnlyReason } from "./allowed-actions.js";

const custom = (over: Partial<KeyFacts> = {}): KeyFacts => ({
  state: "enabled",
  spec: "AES_256",
  usage: "ENCRYPT_DECRYPT",
  origin: "kms",
  isDefault: false,
  service: null,
  ...over,
});

describe("allowedActions", () => {
  it("when the user is a viewer, then nothing is allowed, whatever the key", () => {
    expect(allowedActions("viewer", custom())).toEqual([]);
    expect(readOnlyReason("viewer", custom())).toMatch(/viewer/);
  });

  it("when the key is a default key, then even an admin may do nothing, and the reason names the service", () => {
    const key = custom({ isDefault: true, service: "obs" });
    expect(allowedActions("admin", key)).toEqual([]);
    expect(readOnlyReason("admin", key)).toBe(
      "Default key of Object Storage Service: managed by the service",
    );
    expect(defaultKeyReason("evs")).toContain("Elastic Volume Service");
  });

  it("when an admin looks at an enabled symmetric key, then every action but enable and cancel is offered", () => {
    expect(allowedActions("admin", custom())).toEqual([
      "disable",
      "schedule-deletion",
      "edit",
      "tags",
      "rotation",
      "rotate",
      "tool",
    ]);
  });

  it("when the key is asymmetric, then neither rotation nor the online tool is offered", () => {
    const actions = allowedActions("admin", custom({ spec: "RSA_2048", usage: "SIGN_VERIFY" }));
    expect(actions).not.toContain("rotate");
    expect(actions).not.toContain("rotation");
    expect(actions).not.toContain("tool");
  });

  it("when the key is disabled or pending deletion, then only the matching lifecycle step is offered", () => {
    expect(allowedActions("admin", custom({ state: "disabled" }))).toEqual([
      "enable",
      "schedule-deletion",
      "edit",
      "tags",
    ]);
    const pending = allowedActions("admin", custom({ state: "pending_deletion" }));
    expect(pending).toContain("cancel-deletion");
    expect(pending).not.toContain("enable");
    expect(pending).not.toContain("tool");
  });
});
