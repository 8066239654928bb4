import {
  ROTATION_INTERVAL_MAX,
  ROTATION_INTERVAL_MIN,
  type TKeyDetail,
  ZPutRotationRequest,
} from "@kms/domain";
import { type FormEvent, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../../components/ui/button";
import { Field, inputClass } from "../../../components/ui/field";
import { Switch } from "../../../components/ui/switch";
import { toast } from "../../../components/ui/toast";
import { formatDateTime } from "../../../lib/format";
import { usePutKeyRotation } from "../api/put-key-rotation";

export function RotationTab({ projectId, detail }: { projectId: string; detail: TKeyDetail }) {
  const { t } = useTranslation();
  const r = detail.rotation;
  const canChange = detail.allowedActions.includes("rotation");
  return (
    <div className="flex flex-col gap-4 text-sm">
      {!r.supported && <p className="text-slate-500">{t("rotation.unsupported")}</p>}
      <dl className="grid grid-cols-[12rem_1fr] gap-y-2">
        <dt className="text-slate-500">{t("rotation.enabled")}</dt>
        <dd>{r.enabled ? t("common.yes") : t("common.no")}</dd>
        <dt className="text-slate-500">{t("rotation.interval")}</dt>
        <dd>{t("rotation.days", { count: r.intervalDays })}</dd>
        <dt className="text-slate-500">{t("rotation.last")}</dt>
        <dd>{formatDateTime(r.lastRotatedAt)}</dd>
        <dt className="text-slate-500">{t("rotation.count")}</dt>
        <dd>{r.rotationCount}</dd>
      </dl>
      <section aria-label={t("detail.versions")}>
        <h2 className="mb-1 font-medium">{t("detail.versions")}</h2>
        <ul className="flex flex-col gap-1">
          {detail.versions.map((v) => (
            <li key={v.version} className="tabular-nums">
              v{v.version} · {formatDateTime(v.createdAt)}
            </li>
          ))}
        </ul>
      </section>
      {canChange && r.supported && <RotationForm projectId={projectId} detail={detail} />}
    </div>
  );
}

function RotationForm({ projectId, detail }: { projectId: string; detail: TKeyDetail }) {
  const { t } = useTranslation();
  const id = useId();
  const [enabled, setEnabled] = useState(detail.rotation.enabled);
  const [days, setDays] = useState(String(detail.rotation.intervalDays));
  const [error, setError] = useState<string>();
  const put = usePutKeyRotation(projectId, detail.id, { onSuccess: () => toast.success(t("common.saved")) });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const parsed = ZPutRotationRequest.safeParse({ enabled, intervalDays: Number(days) });
    if (!parsed.success) {
      setError(t("rotation.error", { min: ROTATION_INTERVAL_MIN, max: ROTATION_INTERVAL_MAX }));
      return;
    }
    setError(undefined);
    put.mutate(parsed.data);
  };
  return (
    <form
      onSubmit={submit}
      noValidate
      className="flex max-w-md flex-col gap-3 rounded-md border border-slate-200 p-3 dark:border-slate-700"
    >
      <Switch checked={enabled} onCheckedChange={setEnabled} label={t("rotation.enabled")} />
      <Field id={`${id}-days`} label={t("rotation.interval")} error={error}>
        <input
          id={`${id}-days`}
          type="number"
          className={inputClass}
          value={days}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${id}-days-error`}
          onChange={(e) => setDays(e.target.value)}
        />
      </Field>
      <div>
        <Button type="submit" variant="primary" disabled={put.isPending}>
          {t("common.save")}
        </Button>
      </div>
    </form>
  );
}
