import type { TKeyListItem } from "@kms/domain";
import { useTranslation } from "react-i18next";
import { Button } from "../../../components/ui/button";
import { toast } from "../../../components/ui/toast";
import { type BatchAction, type BatchResult, useBatchKeyAction } from "../api/batch-key-action";
import { errorMessage } from "../api/key-mutation";

/**
 * Appears while custom keys are selected: enable, disable or delete them all, or clear the
 * selection. Enable and disable report how many keys succeeded, failed and were skipped.
 */
export function KeysBatchBar({
  projectId,
  selected,
  onDelete,
  onClear,
}: {
  projectId: string;
  selected: readonly TKeyListItem[];
  onDelete: () => void;
  onClear: () => void;
}) {
  const { t } = useTranslation();
  const batch = useBatchKeyAction(projectId);
  if (selected.length === 0) return null;

  const report = (action: BatchAction, r: BatchResult) => {
    const summary = t(`keys.batch.result.${action}`, {
      succeeded: r.succeeded,
      failed: r.failures.length,
      skipped: r.skipped,
    });
    if (r.failures.length > 0) toast.error([summary, ...r.failures].join("\n"));
    else toast.success(summary);
  };
  const run = (action: BatchAction) =>
    batch.mutate(
      { action, keys: selected },
      {
        onSuccess: (r) => report(action, r),
        onError: (e) => toast.error(errorMessage(e)),
        onSettled: onClear,
      },
    );

  return (
    <div
      role="toolbar"
      aria-label={t("keys.batch.label")}
      className="flex flex-wrap items-center gap-2 rounded-md border border-blue-200 bg-blue-50 px-3 py-2 text-sm dark:border-blue-900 dark:bg-blue-950/40"
    >
      <span aria-live="polite" className="mr-2 font-medium">
        {t("keys.batch.selected", { count: selected.length })}
      </span>
      <Button disabled={batch.isPending} onClick={() => run("enable")}>
        {t("keys.batch.enable")}
      </Button>
      <Button disabled={batch.isPending} onClick={() => run("disable")}>
        {t("keys.batch.disable")}
      </Button>
      <Button variant="danger" disabled={batch.isPending} onClick={onDelete}>
        {t("keys.batch.delete")}
      </Button>
      <Button variant="ghost" disabled={batch.isPending} onClick={onClear}>
        {t("keys.batch.clear")}
      </Button>
      {batch.isPending && <span className="text-slate-500">{t("keys.batch.working")}</span>}
    </div>
  );
}
