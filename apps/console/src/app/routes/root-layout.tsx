import { useQueryClient } from "@tanstack/react-query";
import { Outlet } from "@tanstack/react-router";
import { useEffect, useMemo } from "react";
import { ErrorState, Loading } from "../../components/ui/states";
import { Toaster } from "../../components/ui/toast";
import { useSession } from "../../features/session/api/get-session";
import { sessionKeys } from "../../features/session/api/session-keys";
import { AppHeader } from "../../features/session/components/app-header";
import { DemoBanner } from "../../features/session/components/demo-banner";
import { SignInPage } from "../../features/session/components/sign-in-page";
import { useProjectId } from "../../lib/project";
import { onUnauthorized } from "../../lib/query-client";
import { useTheme } from "../../lib/theme";
import { useLiveEvents } from "../live-events";
import { type AppSession, AppSessionContext } from "../session-context";

export function RootLayout() {
  useTheme();
  const session = useSession();
  const qc = useQueryClient();
  // Any 401 means the session is gone: show the sign-in page.
  useEffect(() => onUnauthorized(() => qc.setQueryData(sessionKeys.current(), null)), [qc]);

  let body: React.ReactNode;
  if (session.isPending) body = <Loading />;
  else if (session.isError)
    body = <ErrorState error={session.error} onRetry={() => void session.refetch()} />;
  else if (!session.data) body = <SignInPage />;
  else body = <SignedIn session={session.data} />;
  return (
    <>
      {body}
      <Toaster />
    </>
  );
}

function SignedIn({ session }: { session: AppSession["session"] }) {
  const selected = useProjectId();
  const project = session.projects.find((p) => p.id === selected) ?? session.projects[0]!;
  const projectId = project.id;
  const value = useMemo(() => ({ session, projectId, project }), [session, projectId, project]);
  useLiveEvents(projectId);
  return (
    <AppSessionContext.Provider value={value}>
      <AppHeader session={session} project={project} />
      {project.demo && <DemoBanner />}
      <main className="mx-auto max-w-7xl px-4 py-5">
        <Outlet />
      </main>
    </AppSessionContext.Provider>
  );
}
