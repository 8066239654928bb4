import { z } from "zod";
import { ZServiceCode } from "./default-keys.js";

export const ZRole = z.enum(["admin", "viewer"]);
export type TRole = z.infer<typeof ZRole>;

const ZServicePrincipal = z.object({
  kind: z.literal("service"),
  id: z.string(),
  name: z.string(),
  service: ZServiceCode,
});

/**
 * Who a principal is, apart from any project: a user (signs in to the console, holds a role per
 * project) or a cloud service's principal (acts in the one project its credential belongs to).
 */
export const ZPrincipalIdentity = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("user"), id: z.string(), name: z.string() }),
  ZServicePrincipal,
]);
export type TPrincipalIdentity = z.infer<typeof ZPrincipalIdentity>;

/**
 * Who is calling, in the project it acts in: a user with its role in that project (read from the
 * project's role assignments on every call), or a cloud service.
 */
export const ZPrincipal = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("user"), id: z.string(), name: z.string(), role: ZRole }),
  ZServicePrincipal,
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

/** A user's role in one project: what both servers authorise a user by. */
export const ZProjectRole = z.object({ project: ZProject, role: ZRole });
export type TProjectRole = z.infer<typeof ZProjectRole>;
