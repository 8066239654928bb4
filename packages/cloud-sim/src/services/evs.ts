import type { SimContext } from "../context.js";
import { createResourceService } from "./resource.js";

/** Elastic Volume Service: an encrypted volume; attaching it unwraps its data key. */
export function createEvs(ctx: SimContext, dir?: string) {
  const s = createResourceService(ctx, { service: "evs", kind: "volume", dir });
  return { dir: s.dir, createVolume: s.create, attach: s.use };
}
