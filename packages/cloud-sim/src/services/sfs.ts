import type { SimContext } from "../context.js";
import { createResourceService } from "./resource.js";

/** Scalable File Service: an encrypted file system; its default key is hidden on the console. */
export function createSfs(ctx: SimContext, dir?: string) {
  const s = createResourceService(ctx, { service: "sfs", kind: "filesystem", dir });
  return { dir: s.dir, createFileSystem: s.create, mount: s.use };
}
