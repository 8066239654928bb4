import { PENDING_DAYS_MAX, PENDING_DAYS_MIN } from "@kms/domain";
import { AlertTriangle } from "lucide-react";
import { type FormEvent, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { Button } from "../../../components/ui/button";
import { Dialog } from "../../../components/ui/dialog";
import { Field, inputClass } from "../../../components/ui/field";
import { toast } from "../../../components/ui/toast";
import { formatDateTime } from "../../../lib/format";
import { useKeyDependents } from "../api/get-key-dependents";
import { errorMessage } from "../api/key-mutation";
import { useScheduleKeyDeletion } from "../api/schedule-key-deletion";

/** The typed confirmation: nothing else will do. */
const ZConfirm = z.literal("DELETE");
const ZPendingDays = z.coerce.number().int().min(PENDING_DAYS_MIN).max(PENDING_DAYS_MAX);

export interface KeyRef {
  id: string;
  alias: string;
}

export function DeleteKeyDialog({
  projectId,
  keys,
  open,
  onOpenChange,
  onDone,
}: {
  projectId: string;
  keys: KeyRef[];
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onDone?: () => void;
}) {
  const { t } = useTranslation();
  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      title={t("delete.title", { count: keys.length })}
      description={t("delete.description")}
      wide
    >
      {open && (
        <DeleteForm projectId={projectId} keys={keys} onClose={() => onOpenChange(false)} onDone={onDone} />
      )}
    </Dialog>
  );
}

function DeleteForm({
  projectId,
  keys,
  onClose,
  onDone,
}: {
  projectId: string;
  keys: KeyRef[];
  onClose: () => void;
  onDone?: (() => void) | undefined;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [days, setDays] = useState(String(PENDING_DAYS_MIN));
  const [confirm, setConfirm] = useState("");
  const [errors, setErrors] = useState<{ days?: string; confirm?: string; form?: string }>({});
  const schedule = useScheduleKeyDeletion(projectId, { onError: () => undefined });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const d = ZPendingDays.safeParse(days);
    const c = ZConfirm.safeParse(confirm);
    const next = {
      days: d.success ? undefined : t("delete.error.days", { min: PENDING_DAYS_MIN, max: PENDING_DAYS_MAX }),
      confirm: c.success ? undefined : t("delete.error.confirm"),
    };
    setErrors(next);
    if (!d.success || !c.success) return;
    const failures: string[] = [];
    for (const key of keys) {
      try {
        await schedule.mutateAsync({ id: key.id, pendingDays: d.data });
      } catch (err) {
        failures.push(`${key.alias}: ${errorMessage(err)}`);
      }
    }
    if (failures.length > 0) {
      setErrors({ form: failures.join("\n") });
      return;
    }
    toast.success(t("delete.scheduled", { count: keys.length, days: d.data }));
    onClose();
    onDone?.();
  };

  return (
    <form onSubmit={(e) => void submit(e)} noValidate className="flex flex-col gap-4">
      <div className="flex gap-2 rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950/50 dark:text-red-200">
        <AlertTriangle size={18} aria-hidden className="shrink-0" />
        <p>{t("delete.warning")}</p>
      </div>
      <section aria-label={t("delete.keysToDelete")}>
        <h3 className="mb-1 text-sm font-medium">{t("delete.keysToDelete")}</h3>
        <ul className="flex flex-col gap-2">
          {keys.map((k) => (
            <li key={k.id} className="rounded border border-slate-200 p-2 text-sm dark:border-slate-700">
              <div className="font-medium">{k.alias}</div>
              <div className="font-mono text-xs text-slate-500">{k.id}</div>
              <Dependents projectId={projectId} id={k.id} />
            </li>
          ))}
        </ul>
      </section>
      <Field
        id={`${id}-days`}
        label={t("delete.days")}
        error={errors.days}
        hint={t("delete.daysHint", { min: PENDING_DAYS_MIN, max: PENDING_DAYS_MAX })}
      >
        <input
          id={`${id}-days`}
          type="number"
          min={PENDING_DAYS_MIN}
          max={PENDING_DAYS_MAX}
          className={inputClass}
          value={days}
          aria-invalid={errors.days ? true : undefined}
          aria-describedby={`${id}-days-error`}
          onChange={(e) => setDays(e.target.value)}
        />
      </Field>
      <Field id={`${id}-confirm`} label={t("delete.confirmLabel")} error={errors.confirm}>
        <input
          id={`${id}-confirm`}
          className={inputClass}
          value={confirm}
          autoComplete="off"
          aria-invalid={errors.confirm ? true : undefined}
          aria-describedby={`${id}-confirm-error`}
          onChange={(e) => setConfirm(e.target.value)}
        />
      </Field>
      <div role="alert" className="whitespace-pre-line text-sm text-red-600 empty:hidden">
        {errors.form}
      </div>
      <div className="flex justify-end gap-2">
        <Button onClick={onClose}>{t("common.cancel")}</Button>
        <Button type="submit" variant="danger" disabled={schedule.isPending}>
          {t("delete.submit")}
        </Button>
      </div>
    </form>
  );
}

function Dependents({ projectId, id }: { projectId: string; id: string }) {
  const { t } = useTranslation();
  const deps = useKeyDependents(projectId, id);
  if (deps.isPending) return <p className="text-xs text-slate-500">{t("common.loading")}</p>;
  if (deps.isError) return <p className="text-xs text-slate-500">{t("delete.dependentsUnknown")}</p>;
  if (deps.data.items.length === 0)
    return <p className="text-xs text-slate-500">{t("delete.noDependents")}</p>;
  return (
    <div className="mt-1 text-xs">
      <p className="font-medium text-amber-700 dark:text-amber-300">
        {t("delete.dependents", { count: deps.data.items.length })}
      </p>
      <ul className="list-disc pl-5">
        {deps.data.items.map((d) => (
          <li key={d.principalId}>
            {d.principalName} · {t("delete.lastUsed", { time: formatDateTime(d.lastUsedAt) })}
          </li>
        ))}
      </ul>
    </div>
  );
}
