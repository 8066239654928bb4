import { getRouteApi, useNavigate } from "@tanstack/react-router";
import { useCallback } from "react";
import type { KeysSearch } from "../../features/keys/api/get-keys";
import { KeysPage } from "../../features/keys/components/keys-page";
import { useAppSession } from "../session-context";

const route = getRouteApi("/keys");

export function KeysRoute() {
  const { project, projectId } = useAppSession();
  const search = route.useSearch();
  const navigate = useNavigate();
  const onSearchChange = useCallback(
    (patch: Partial<KeysSearch>) =>
      void navigate({ to: "/keys", search: (prev) => ({ ...prev, ...patch }), replace: true }),
    [navigate],
  );
  return (
    <KeysPage
      projectId={projectId}
      role={project.role}
      search={search}
      onSearchChange={onSearchChange}
      onOpenKey={(keyId) => void navigate({ to: "/keys/$keyId", params: { keyId } })}
    />
  );
}
