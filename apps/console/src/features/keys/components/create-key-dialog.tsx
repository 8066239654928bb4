import {
  ALIAS_PATTERN,
  allowedUsages,
  DEFAULT_ALIAS_SUFFIX,
  type TKeySpec,
  type TKeyUsage,
  type TTag,
  ZCreateKeyRequest,
  ZKeySpec,
} from "@kms/domain";
import { Plus, Trash2 } from "lucide-react";
import { type FormEvent, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../../components/ui/button";
import { Dialog } from "../../../components/ui/dialog";
import { Field, inputClass } from "../../../components/ui/field";
import { toast } from "../../../components/ui/toast";
import { isApiError } from "../../../lib/api-client";
import { useCreateKey } from "../api/create-key";

const DESCRIPTION_MAX = 255;

export function randomAlias(): string {
  const bytes = new Uint8Array(2);
  crypto.getRandomValues(bytes);
  return `KMS-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

type Errors = Partial<Record<"alias" | "description" | "tags" | "form", string>>;

export function CreateKeyDialog({
  projectId,
  open,
  onOpenChange,
  onCreated,
}: {
  projectId: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onCreated?: (id: string) => void;
}) {
  const { t } = useTranslation();
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title={t("create.title")} wide>
      {/* Mounted only while open, so every opening starts from a fresh KMS-xxxx name. */}
      {open && (
        <CreateKeyForm projectId={projectId} onDone={() => onOpenChange(false)} onCreated={onCreated} />
      )}
    </Dialog>
  );
}

function CreateKeyForm({
  projectId,
  onDone,
  onCreated,
}: {
  projectId: string;
  onDone: () => void;
  onCreated?: ((id: string) => void) | undefined;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [alias, setAlias] = useState(randomAlias);
  const [spec, setSpec] = useState<TKeySpec>("AES_256");
  const [usage, setUsage] = useState<TKeyUsage>("ENCRYPT_DECRYPT");
  const [description, setDescription] = useState("");
  const [tags, setTags] = useState<TTag[]>([]);
  const [errors, setErrors] = useState<Errors>({});
  const create = useCreateKey(projectId, {
    onSuccess: (key) => {
      toast.success(t("create.created", { alias: key.alias }));
      onDone();
      onCreated?.(key.id);
    },
    // Inline errors instead of the default toast: the form is where the user is looking.
    onError: (e) => {
      if (isApiError(e)) {
        setErrors({
          alias: e.fields?.alias,
          description: e.fields?.description,
          tags: e.fields?.tags,
          form: e.fields ? undefined : e.message,
        });
      } else setErrors({ form: t("common.unexpectedError") });
    },
  });

  const aliasError = (value: string): string | undefined => {
    if (value.endsWith(DEFAULT_ALIAS_SUFFIX)) return t("create.error.defaultSuffix");
    if (!ALIAS_PATTERN.test(value)) return t("create.error.aliasPattern");
    return undefined;
  };

  const usages = allowedUsages(spec);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = {
      alias,
      spec,
      usage,
      description,
      tags: tags.filter((tag) => tag.key !== "" || tag.value !== ""),
    };
    const parsed = ZCreateKeyRequest.safeParse(body);
    const next: Errors = { alias: aliasError(alias) };
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path[0];
        if (field === "description") next.description = t("create.error.description");
        if (field === "tags") next.tags = t("create.error.tags");
      }
    }
    setErrors(next);
    if (!parsed.success || next.alias) return;
    create.mutate(body);
  };

  return (
    <form onSubmit={submit} noValidate className="flex flex-col gap-4">
      <Field id={`${id}-alias`} label={t("create.alias")} error={errors.alias}>
        <input
          id={`${id}-alias`}
          className={inputClass}
          value={alias}
          aria-invalid={errors.alias ? true : undefined}
          aria-describedby={`${id}-alias-error`}
          onChange={(e) => {
            setAlias(e.target.value);
            // The reserved suffix is refused as soon as it is typed.
            setErrors((prev) => ({
              ...prev,
              alias: e.target.value.endsWith(DEFAULT_ALIAS_SUFFIX) ? aliasError(e.target.value) : undefined,
            }));
          }}
        />
      </Field>
      <div className="grid grid-cols-2 gap-3">
        <Field id={`${id}-spec`} label={t("create.algorithm")}>
          <select
            id={`${id}-spec`}
            className={inputClass}
            value={spec}
            onChange={(e) => {
              const next = ZKeySpec.parse(e.target.value);
              setSpec(next);
              setUsage(allowedUsages(next)[0]!);
            }}
          >
            {ZKeySpec.options.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </Field>
        <Field id={`${id}-usage`} label={t("create.usage")} hint={t("create.usageFixed")}>
          <select
            id={`${id}-usage`}
            className={inputClass}
            value={usage}
            onChange={(e) => setUsage(usages.find((u) => u === e.target.value) ?? usages[0]!)}
          >
            {usages.map((u) => (
              <option key={u} value={u}>
                {t(`keyUsage.${u}`)}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <Field
        id={`${id}-description`}
        label={t("create.description")}
        error={errors.description}
        hint={
          <span aria-live="polite">
            {t("create.counter", { n: description.length, max: DESCRIPTION_MAX })}
          </span>
        }
      >
        <textarea
          id={`${id}-description`}
          className={inputClass}
          rows={3}
          value={description}
          aria-invalid={errors.description ? true : undefined}
          aria-describedby={`${id}-description-error`}
          onChange={(e) => setDescription(e.target.value)}
        />
      </Field>
      <fieldset className="flex flex-col gap-2">
        <legend className="mb-1 text-sm font-medium">{t("create.tags")}</legend>
        {tags.map((tag, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their position
          <div key={i} className="flex gap-2">
            <input
              aria-label={t("tags.key")}
              className={`${inputClass} flex-1`}
              value={tag.key}
              aria-invalid={errors.tags ? true : undefined}
              onChange={(e) => setTags(tags.map((x, j) => (j === i ? { ...x, key: e.target.value } : x)))}
            />
            <input
              aria-label={t("tags.value")}
              className={`${inputClass} flex-1`}
              value={tag.value}
              aria-invalid={errors.tags ? true : undefined}
              onChange={(e) => setTags(tags.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)))}
            />
            <Button
              variant="ghost"
              aria-label={t("tags.remove")}
              onClick={() => setTags(tags.filter((_, j) => j !== i))}
            >
              <Trash2 size={14} aria-hidden />
            </Button>
          </div>
        ))}
        <div>
          <Button variant="ghost" onClick={() => setTags([...tags, { key: "", value: "" }])}>
            <Plus size={14} aria-hidden />
            {t("tags.add")}
          </Button>
        </div>
        <div role="alert" className="text-xs text-red-600 empty:hidden">
          {errors.tags}
        </div>
      </fieldset>
      <div role="alert" className="text-sm text-red-600 empty:hidden">
        {errors.form}
      </div>
      <div className="flex justify-end gap-2">
        <Button onClick={onDone}>{t("common.cancel")}</Button>
        <Button type="submit" variant="primary" disabled={create.isPending}>
          {create.isPending ? t("common.saving") : t("create.submit")}
        </Button>
      </div>
    </form>
  );
}
