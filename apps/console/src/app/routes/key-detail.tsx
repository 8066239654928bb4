import { getRouteApi, Link, useNavigate } from "@tanstack/react-router";
import { ArrowLeft } from "lucide-react";
import { useTranslation } from "react-i18next";
import { AuditTable } from "../../features/audit/components/audit-table";
import { KeyDetail } from "../../features/keys/components/key-detail";
import { useAppSession } from "../session-context";

const route = getRouteApi("/keys/$keyId");

export function KeyDetailRoute() {
  const { t } = useTranslation();
  const { project, projectId } = useAppSession();
  const { keyId } = route.useParams();
  const { tab } = route.useSearch();
  const navigate = useNavigate();
  return (
    <div className="flex flex-col gap-3">
      <Link
        to="/keys"
        className="inline-flex items-center gap-1 text-sm text-blue-700 hover:underline dark:text-blue-400"
      >
        <ArrowLeft size={14} aria-hidden />
        {t("detail.back")}
      </Link>
      <KeyDetail
        projectId={projectId}
        role={project.role}
        keyId={keyId}
        tab={tab ?? "overview"}
        onTabChange={(next) =>
          void navigate({
            to: "/keys/$keyId",
            params: { keyId },
            search: { tab: next === "overview" ? undefined : next },
            replace: true,
          })
        }
        auditTab={<AuditTable projectId={projectId} filters={{ keyId }} />}
      />
    </div>
  );
}
