import { randomBytes } from "node:crypto";
import type { TCaller, TServiceCode } from "@kms/domain";
import type { KmsEngine, KmsEngineOptions, ProvisionedProject } from "../api.js";
import { KmsError } from "../errors.js";
import { createKms } from "../kms.js";
import type { KmsStore } from "../ports.js";
import { createRootKey, systemRandom } from "../root-key.js";
import { createInMemoryStore } from "./in-memory-store.js";
import { createManualClock, type ManualClock } from "./manual-clock.js";

export interface TestEngine {
  kms: KmsEngine;
  store: KmsStore;
  clock: ManualClock;
  provisioned: ProvisionedProject;
  admin: TCaller;
  viewer: TCaller;
  service(service: TServiceCode): TCaller;
}

/** An engine over the in-memory store with a manual clock and one provisioned project. */
export async function createTestEngine(
  overrides: Partial<Pick<KmsEngineOptions, "metering" | "store">> = {},
): Promise<TestEngine> {
  const store = overrides.store ?? createInMemoryStore();
  const clock = createManualClock();
  const kms = createKms({
    store,
    clock,
    random: systemRandom,
    rootKey: createRootKey(randomBytes(32)),
    ...(overrides.metering ? { metering: overrides.metering } : {}),
  });
  const provisioned = await kms.provisionProject({ name: "test", region: "eu-west-101" });
  const caller = async (ak: string): Promise<TCaller> => {
    const found = await kms.authenticate(ak);
    if (!found) throw new Error("provisioned credential not found");
    return found.caller;
  };
  const admin = await caller(provisioned.users.admin.ak);
  const viewer = await caller(provisioned.users.viewer.ak);
  const services = new Map<TServiceCode, TCaller>();
  for (const [code, cred] of Object.entries(provisioned.services)) {
    services.set(code as TServiceCode, await caller(cred.ak));
  }
  return {
    kms,
    store,
    clock,
    provisioned,
    admin,
    viewer,
    service: (code) => services.get(code)!,
  };
}

/** "ok" when the promise resolves, else the KmsError code (or the message of another error). */
export function errorCode(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => "ok",
    (e: unknown) => (e instanceof KmsError ? e.code : `not a KmsError: ${String(e)}`),
  );
}
