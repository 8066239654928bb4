import { z } from "zod";
import { ZServiceCode } from "./default-keys.js";

export const ZRole = z.enum(["admin", "viewer"]);
export type TRole = z.infer<typeof ZRole>;

/** Who is calling: a console/API user with a role, or a cloud service acting for the project. */
export const ZPrincipal = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("user"), id: z.string(), name: z.string(), role: ZRole }),
  z.object({ kind: z.literal("service"), id: z.string(), name: z.string(), service: ZServiceCode }),
]);
export type TPrincipal = z.infer<typeof ZPrincipal>;

/** The caller of an engine operation: the principal and the project it acts in. */
export const ZCaller = z.object({
  principal: ZPrincipal,
  projectId: z.string(),
  domainId: z.string(),
});
export type TCaller = z.infer<typeof ZCaller>;

export const ZProject = z.object({
  id: z.string(),
  domainId: z.string(),
  name: z.string(),
  region: z.string(),
  createdAt: z.date(),
});
export type TProject = z.infer<typeof ZProject>;
