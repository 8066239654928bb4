import type { TKey } from "@kms/domain";
import type { EngineContext } from "../context.js";
import { KmsError } from "../errors.js";
import type { KeyExpectation, KeyPatch } from "../ports.js";

/** A key can be used only when enabled; each other state has its own code. */
export function requireUsable(key: TKey): void {
  switch (key.state) {
    case "enabled":
      return;
    case "disabled":
      throw new KmsError("KMS.0209");
    case "pending_deletion":
      throw new KmsError("KMS.0210");
    case "pending_import":
      throw new KmsError("KMS.0310");
    default:
      throw new KmsError("KMS.1301");
  }
}

const MAX_ATTEMPTS = 5;

/**
 * Compare-and-set with re-decision: `decide` sees the latest key and either throws (the rule no
 * longer holds) or names the expectation and patch; if another writer got there first, re-read.
 */
export async function updateKeyChecked(
  ctx: EngineContext,
  key: TKey,
  decide: (current: TKey) => { expect: KeyExpectation; patch: KeyPatch },
): Promise<TKey> {
  let current = key;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const { expect, patch } = decide(current);
    const updated = await ctx.store.updateKey(current.projectId, current.id, expect, {
      ...patch,
      updatedAt: ctx.clock.now(),
    });
    if (updated === "alias_taken") throw new KmsError("KMS.1104");
    if (updated) return updated;
    const reread = await ctx.store.getKey(current.projectId, current.id);
    if (!reread) throw new KmsError("KMS.0207");
    current = reread;
  }
  throw new KmsError("KMS.0101", "the key kept changing; try again");
}

export const sameState = (key: TKey): KeyExpectation => ({ states: [key.state] });
