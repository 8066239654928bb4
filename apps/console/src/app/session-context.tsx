import type { TSession, TSessionProject } from "@kms/domain";
import { createContext, useContext } from "react";

export interface AppSession {
  session: TSession;
  /** The selected project (always one of session.projects, or the session's default). */
  projectId: string;
  /** That project, with the user's role in it (a user may be admin in one project, viewer in another). */
  project: TSessionProject;
}

export const AppSessionContext = createContext<AppSession | null>(null);

export function useAppSession(): AppSession {
  const value = useContext(AppSessionContext);
  if (!value) throw new Error("useAppSession outside a signed-in layout");
  return value;
}
