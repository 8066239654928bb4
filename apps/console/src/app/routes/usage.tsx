import { getRouteApi, useNavigate } from "@tanstack/react-router";
import { UsagePage } from "../../features/usage/components/usage-page";
import { useAppSession } from "../session-context";

const route = getRouteApi("/usage");

export function UsageRoute() {
  const { projectId } = useAppSession();
  const { month } = route.useSearch();
  const navigate = useNavigate();
  return (
    <UsagePage
      projectId={projectId}
      month={month}
      onMonthChange={(m) => void navigate({ to: "/usage", search: { month: m }, replace: true })}
    />
  );
}
