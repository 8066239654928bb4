import type { TKey } from "@kms/domain";
import { describe, expect, it } from "vitest";
import { arrayToKey, KEY_COLUMNS, keyToRow, rowToKey } from "./rows.js";

const key: TKey = {
  id: "0b7f6a2e-58b5-4e47-9d8e-2f1a3c4d5e6f",
  projectId: "p1",
  domainId: "d1",
  alias: "alias",
  description: "description",
  spec: "AES_256",
  usage: "ENCRYPT_DECRYPT",
  origin: "kms",
  state: "pending_deletion",
  isDefault: true,
  service: "obs",
  createdAt: new Date(1_000),
  updatedAt: new Date(2_000),
  deletionScheduledAt: new Date(3_000),
  deletionDate: new Date(4_000),
  currentVersion: 3,
  rotation: { enabled: true, intervalDays: 90, lastRotatedAt: new Date(5_000), rotationCount: 2 },
  lastUsedAt: new Date(6_000),
};

describe("raw key rows", () => {
  it("map a row of values in KEY_COLUMNS order to the same key as the named row", () => {
    const row = keyToRow(key) as Record<string, unknown>;
    const values = KEY_COLUMNS.map((c) => row[c]);
    expect(arrayToKey(values)).toEqual(key);
    expect(arrayToKey(values)).toEqual(rowToKey({ ...row, destroyed_at: null } as never));
  });

  it("read a never-used key's last_used_at of 0 as null", () => {
    const row = keyToRow({ ...key, lastUsedAt: null }) as Record<string, unknown>;
    expect(arrayToKey(KEY_COLUMNS.map((c) => row[c])).lastUsedAt).toBeNull();
  });
});
