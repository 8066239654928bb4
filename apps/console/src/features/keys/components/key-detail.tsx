import type { TKeyDetail, TRole } from "@kms/domain";
import * as Tabs from "@radix-ui/react-tabs";
import { Lock, ShieldAlert } from "lucide-react";
import { lazy, type ReactNode, Suspense, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../../components/ui/button";
import { CopyButton } from "../../../components/ui/copy-button";
import { ErrorState, Loading } from "../../../components/ui/states";
import { toast } from "../../../components/ui/toast";
import { useCancelKeyDeletion } from "../api/cancel-key-deletion";
import { useDisableKey } from "../api/disable-key";
import { useEnableKey } from "../api/enable-key";
import { useKey } from "../api/get-key";
import { useRotateKey } from "../api/rotate-key";
import { DeleteKeyDialog } from "./delete-key-dialog";
import { DependentsTab } from "./dependents-tab";
import { KeyStateBadge, KeyTypeBadges } from "./key-badges";
import { KEY_TABS, type KeyTab } from "./key-tabs";
import { OverviewTab } from "./overview-tab";
import { RotationTab } from "./rotation-tab";
import { TagsTab } from "./tags-tab";
import { UsageTab } from "./usage-tab";

// The tool is its own chunk: most visits never open it.
const KeyToolPanel = lazy(() => import("./key-tool-panel").then((m) => ({ default: m.KeyToolPanel })));

export function KeyDetail({
  projectId,
  role,
  keyId,
  tab,
  onTabChange,
  auditTab,
}: {
  projectId: string;
  role: TRole;
  keyId: string;
  tab: KeyTab;
  onTabChange: (tab: KeyTab) => void;
  auditTab: ReactNode;
}) {
  const { t } = useTranslation();
  const query = useKey(projectId, keyId);
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  const key = query.data;
  const allowed = new Set(key.allowedActions);
  const tabs = KEY_TABS.filter((x) => x !== "tool" || allowed.has("tool"));
  const current = tabs.includes(tab) ? tab : "overview";

  return (
    <div className="flex flex-col gap-4">
      <header className="flex flex-wrap items-start justify-between gap-3">
        <div className="flex min-w-0 flex-col gap-1">
          <h1 className="truncate text-xl font-semibold">{key.alias}</h1>
          <div className="flex items-center gap-1 font-mono text-xs text-slate-500">
            {key.id}
            <CopyButton value={key.id} label={t("keys.copyId", { alias: key.alias })} />
          </div>
          <div className="flex flex-wrap items-center gap-2">
            <KeyStateBadge state={key.state} />
            <KeyTypeBadges item={key} />
          </div>
        </div>
        <KeyActions projectId={projectId} detail={key} />
      </header>
      <ReadOnlyBanner detail={key} role={role} />
      <Tabs.Root value={current} onValueChange={(v) => onTabChange(tabs.find((x) => x === v) ?? "overview")}>
        <Tabs.List
          aria-label={t("detail.tabs")}
          className="flex gap-1 overflow-x-auto border-b border-slate-200 dark:border-slate-700"
        >
          {tabs.map((x) => (
            <Tabs.Trigger
              key={x}
              value={x}
              className="border-b-2 border-transparent px-3 py-2 text-sm text-slate-600 data-[state=active]:border-blue-600 data-[state=active]:font-medium data-[state=active]:text-slate-900 dark:text-slate-300 dark:data-[state=active]:text-white"
            >
              {t(`detail.tab.${x}`)}
            </Tabs.Trigger>
          ))}
        </Tabs.List>
        <div className="pt-4">
          <Tabs.Content value="overview">
            <OverviewTab projectId={projectId} detail={key} />
          </Tabs.Content>
          <Tabs.Content value="usage">
            <UsageTab projectId={projectId} keyId={key.id} />
          </Tabs.Content>
          <Tabs.Content value="dependents">
            <DependentsTab projectId={projectId} keyId={key.id} />
          </Tabs.Content>
          <Tabs.Content value="rotation">
            <RotationTab projectId={projectId} detail={key} />
          </Tabs.Content>
          <Tabs.Content value="tags">
            <TagsTab projectId={projectId} detail={key} />
          </Tabs.Content>
          {allowed.has("tool") && (
            <Tabs.Content value="tool">
              <Suspense fallback={<Loading />}>
                <KeyToolPanel projectId={projectId} keyId={key.id} />
              </Suspense>
            </Tabs.Content>
          )}
          <Tabs.Content value="audit">{auditTab}</Tabs.Content>
        </div>
      </Tabs.Root>
    </div>
  );
}

function ReadOnlyBanner({ detail, role }: { detail: TKeyDetail; role: TRole }) {
  const { t } = useTranslation();
  if (detail.isDefault) {
    return (
      <div
        role="note"
        className="flex gap-2 rounded-md border border-violet-200 bg-violet-50 p-3 text-sm text-violet-900 dark:border-violet-900 dark:bg-violet-950/40 dark:text-violet-100"
      >
        <Lock size={18} aria-hidden className="shrink-0" />
        <p>
          {t("detail.defaultBanner", {
            service: detail.serviceName ?? detail.service ?? t("detail.aService"),
          })}
        </p>
      </div>
    );
  }
  if (role !== "admin") {
    return (
      <div
        role="note"
        className="flex gap-2 rounded-md border border-slate-200 bg-slate-50 p-3 text-sm dark:border-slate-700 dark:bg-slate-900"
      >
        <ShieldAlert size={18} aria-hidden className="shrink-0" />
        <p>{t("detail.viewerBanner")}</p>
      </div>
    );
  }
  return null;
}

/** Only what allowedActions permits is rendered: a default key or a viewer gets no button at all. */
function KeyActions({ projectId, detail }: { projectId: string; detail: TKeyDetail }) {
  const { t } = useTranslation();
  const [deleteOpen, setDeleteOpen] = useState(false);
  const done = () => toast.success(t("keys.actionDone"));
  const enable = useEnableKey(projectId, { onSuccess: done });
  const disable = useDisableKey(projectId, { onSuccess: done });
  const cancel = useCancelKeyDeletion(projectId, { onSuccess: done });
  const rotate = useRotateKey(projectId, { onSuccess: () => toast.success(t("rotation.rotated")) });
  const allowed = new Set(detail.allowedActions);
  if (allowed.size === 0) return null;
  return (
    <div className="flex flex-wrap gap-2">
      {allowed.has("enable") && (
        <Button onClick={() => enable.mutate(detail.id)} disabled={enable.isPending}>
          {t("keys.action.enable")}
        </Button>
      )}
      {allowed.has("disable") && (
        <Button onClick={() => disable.mutate(detail.id)} disabled={disable.isPending}>
          {t("keys.action.disable")}
        </Button>
      )}
      {allowed.has("rotate") && (
        <Button onClick={() => rotate.mutate(detail.id)} disabled={rotate.isPending}>
          {t("rotation.rotateNow")}
        </Button>
      )}
      {allowed.has("cancel-deletion") && (
        <Button onClick={() => cancel.mutate(detail.id)} disabled={cancel.isPending}>
          {t("keys.action.cancelDeletion")}
        </Button>
      )}
      {allowed.has("schedule-deletion") && (
        <Button variant="danger" onClick={() => setDeleteOpen(true)}>
          {t("keys.action.delete")}
        </Button>
      )}
      <DeleteKeyDialog
        projectId={projectId}
        keys={[{ id: detail.id, alias: detail.alias }]}
        open={deleteOpen}
        onOpenChange={setDeleteOpen}
      />
    </div>
  );
}
