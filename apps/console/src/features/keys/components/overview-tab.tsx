import { DEFAULT_ALIAS_SUFFIX, type TKeyDetail, ZConsoleAlias, ZKeyDescription } from "@kms/domain";
import { Pencil } from "lucide-react";
import { type FormEvent, type ReactNode, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../../components/ui/button";
import { inputClass } from "../../../components/ui/field";
import { toast } from "../../../components/ui/toast";
import { isApiError } from "../../../lib/api-client";
import { formatDateTime, formatNumber } from "../../../lib/format";
import { useUpdateKey } from "../api/update-key";

export function OverviewTab({ projectId, detail }: { projectId: string; detail: TKeyDetail }) {
  const { t } = useTranslation();
  const canEdit = detail.allowedActions.includes("edit");
  const rows: [string, ReactNode][] = [
    [t("keys.col.status"), t(`keyState.${detail.state}`)],
    [t("keys.col.algorithm"), detail.spec],
    [t("create.usage"), t(`keyUsage.${detail.usage}`)],
    [t("keys.col.origin"), t(`keyOrigin.${detail.origin}`)],
    [
      t("keys.col.type"),
      detail.isDefault
        ? `${t("keys.type.default")} · ${detail.serviceName ?? detail.service ?? ""}`
        : t("keys.type.custom"),
    ],
    [t("keys.col.created"), formatDateTime(detail.createdAt)],
    [t("detail.updated"), formatDateTime(detail.updatedAt)],
    [t("keys.col.requests"), formatNumber(detail.requestsThisMonth)],
    [t("keys.col.lastUsed"), formatDateTime(detail.lastUsedAt)],
    [t("detail.versions"), String(detail.versions.length)],
  ];
  if (detail.deletionDate) {
    rows.push([t("detail.deletionDate"), formatDateTime(detail.deletionDate)]);
    rows.push([t("detail.deletionScheduledAt"), formatDateTime(detail.deletionScheduledAt)]);
  }
  return (
    <dl className="grid grid-cols-1 gap-x-8 gap-y-3 text-sm md:grid-cols-[12rem_1fr]">
      <dt className="text-slate-500">{t("create.alias")}</dt>
      <dd>
        <EditableText
          label={t("create.alias")}
          value={detail.alias}
          editable={canEdit}
          validate={(v) => {
            if (v.endsWith(DEFAULT_ALIAS_SUFFIX)) return t("create.error.defaultSuffix");
            return ZConsoleAlias.safeParse(v).success ? undefined : t("create.error.aliasPattern");
          }}
          projectId={projectId}
          keyId={detail.id}
          field="alias"
        />
      </dd>
      <dt className="text-slate-500">{t("create.description")}</dt>
      <dd>
        <EditableText
          label={t("create.description")}
          value={detail.description}
          editable={canEdit}
          multiline
          validate={(v) => (ZKeyDescription.safeParse(v).success ? undefined : t("create.error.description"))}
          projectId={projectId}
          keyId={detail.id}
          field="description"
        />
      </dd>
      {rows.map(([label, value]) => (
        <div key={label} className="contents">
          <dt className="text-slate-500">{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** In-place editing; rendered as plain text (never HTML) and only offered when allowed. */
function EditableText({
  label,
  value,
  editable,
  multiline,
  validate,
  projectId,
  keyId,
  field,
}: {
  label: string;
  value: string;
  editable: boolean;
  multiline?: boolean;
  validate: (v: string) => string | undefined;
  projectId: string;
  keyId: string;
  field: "alias" | "description";
}) {
  const { t } = useTranslation();
  const id = useId();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(value);
  const [error, setError] = useState<string>();
  const update = useUpdateKey(projectId, keyId, {
    onSuccess: () => {
      setEditing(false);
      toast.success(t("common.saved"));
    },
    onError: (e) => setError(isApiError(e) ? (e.fields?.[field] ?? e.message) : t("common.unexpectedError")),
  });

  if (!editing) {
    return (
      <span className="inline-flex items-start gap-2">
        <span className="whitespace-pre-wrap break-all">
          {value || <span className="text-slate-400">—</span>}
        </span>
        {editable && (
          <button
            type="button"
            aria-label={t("detail.edit", { field: label })}
            className="rounded p-0.5 text-slate-400 hover:text-slate-700"
            onClick={() => {
              setDraft(value);
              setError(undefined);
              setEditing(true);
            }}
          >
            <Pencil size={14} aria-hidden />
          </button>
        )}
      </span>
    );
  }

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const problem = validate(draft);
    setError(problem);
    if (problem) return;
    update.mutate(field === "alias" ? { alias: draft } : { description: draft });
  };
  const props = {
    id,
    "aria-label": label,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": `${id}-error`,
    className: `${inputClass} w-full max-w-lg`,
    value: draft,
    onChange: (e: { target: { value: string } }) => setDraft(e.target.value),
  };
  return (
    <form onSubmit={submit} className="flex flex-col gap-1" noValidate>
      {multiline ? <textarea rows={3} {...props} /> : <input {...props} />}
      <div role="alert" id={`${id}-error`} className="text-xs text-red-600 empty:hidden">
        {error}
      </div>
      <div className="flex gap-2">
        <Button type="submit" variant="primary" disabled={update.isPending}>
          {t("common.save")}
        </Button>
        <Button onClick={() => setEditing(false)}>{t("common.cancel")}</Button>
      </div>
    </form>
  );
}
