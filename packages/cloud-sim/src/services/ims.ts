import type { SimContext } from "../context.js";
import { createResourceService } from "./resource.js";

/** Image Management Service: an encrypted private image; launching from it unwraps its key. */
export function createIms(ctx: SimContext, dir?: string) {
  const s = createResourceService(ctx, { service: "ims", kind: "image", dir });
  return { dir: s.dir, encryptImage: s.create, launch: s.use };
}
