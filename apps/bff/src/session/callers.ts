import type { TCaller, TSessionProject } from "@kms/domain";
import type { AppDeps, SessionContext } from "../context.js";

/** The projects the signed-in user has a role in, oldest first (read from the database each time). */
export async function projectsOf(deps: AppDeps, session: SessionContext): Promise<TSessionProject[]> {
  const roles = await deps.engine.projectRoles(session.domainId, session.principalId);
  return roles.map(({ project, role }) => ({
    id: project.id,
    name: project.name,
    region: project.region,
    role,
    demo: deps.isDemoProject(project.id),
  }));
}

/**
 * The engine's caller for a project, with the user's role there. The engine decides: a project the
 * user has no role in (of this account or another, or none at all) is KMS.0306, 403.
 */
export function callerFor(deps: AppDeps, session: SessionContext, projectId: string): Promise<TCaller> {
  return deps.engine.userCaller(
    { id: session.principalId, name: session.username, domainId: session.domainId },
    projectId,
  );
}
