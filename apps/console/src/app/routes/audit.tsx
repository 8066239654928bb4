import { getRouteApi, useNavigate } from "@tanstack/react-router";
import { useTranslation } from "react-i18next";
import type { AuditSearch } from "../../features/audit/api/get-audit";
import { AuditTable } from "../../features/audit/components/audit-table";
import { useAppSession } from "../session-context";

const route = getRouteApi("/audit");

export function AuditRoute() {
  const { t } = useTranslation();
  const { projectId } = useAppSession();
  const filters = route.useSearch();
  const navigate = useNavigate();
  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-xl font-semibold">{t("audit.title")}</h1>
      <AuditTable
        projectId={projectId}
        filters={filters}
        onFiltersChange={(patch: Partial<AuditSearch>) =>
          void navigate({ to: "/audit", search: (prev) => ({ ...prev, ...patch }), replace: true })
        }
      />
    </div>
  );
}
