import type { TCaller, TProject } from "@kms/domain";
import type { AppDeps, SessionContext } from "../context.js";
import { AppError } from "../errors.js";

/** The projects of the signed-in user's account, oldest first (read from the database each time). */
export async function projectsOf(deps: AppDeps, domainId: string): Promise<TProject[]> {
  const all = await deps.engine.listProjects();
  return all
    .filter((p) => p.domainId === domainId)
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
}

/** The engine's caller for a project of the session's account; another account's project is "not found". */
export async function callerFor(deps: AppDeps, session: SessionContext, projectId: string): Promise<TCaller> {
  const projects = await projectsOf(deps, session.domainId);
  if (!projects.some((p) => p.id === projectId)) throw new AppError("CONSOLE.0404", "Project not found.");
  return {
    principal: { kind: "user", id: session.principalId, name: session.username, role: session.role },
    projectId,
    domainId: session.domainId,
  };
}
