import { type TKeyDetail, type TTag, ZPutTagsRequest } from "@kms/domain";
import { Plus, Trash2 } from "lucide-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../../components/ui/button";
import { inputClass } from "../../../components/ui/field";
import { EmptyState } from "../../../components/ui/states";
import { toast } from "../../../components/ui/toast";
import { usePutKeyTags } from "../api/put-key-tags";

export function TagsTab({ projectId, detail }: { projectId: string; detail: TKeyDetail }) {
  const { t } = useTranslation();
  const canEdit = detail.allowedActions.includes("tags");
  const [editing, setEditing] = useState(false);
  if (editing) return <TagsEditor projectId={projectId} detail={detail} onDone={() => setEditing(false)} />;
  return (
    <div className="flex flex-col gap-3">
      {detail.tags.length === 0 ? (
        <EmptyState title={t("tags.none")} />
      ) : (
        <table className="w-full max-w-xl text-left text-sm">
          <thead className="text-slate-500">
            <tr>
              <th scope="col">{t("tags.key")}</th>
              <th scope="col">{t("tags.value")}</th>
            </tr>
          </thead>
          <tbody>
            {detail.tags.map((tag) => (
              <tr key={tag.key} className="border-t border-slate-100 dark:border-slate-800">
                <td className="py-1">{tag.key}</td>
                <td>{tag.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canEdit && (
        <div>
          <Button onClick={() => setEditing(true)}>{t("tags.edit")}</Button>
        </div>
      )}
    </div>
  );
}

function TagsEditor({
  projectId,
  detail,
  onDone,
}: {
  projectId: string;
  detail: TKeyDetail;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const [tags, setTags] = useState<TTag[]>(detail.tags);
  const [error, setError] = useState<string>();
  const put = usePutKeyTags(projectId, detail.id, {
    onSuccess: () => {
      toast.success(t("common.saved"));
      onDone();
    },
  });
  const save = () => {
    const parsed = ZPutTagsRequest.safeParse({ tags });
    if (!parsed.success) {
      setError(t("create.error.tags"));
      return;
    }
    setError(undefined);
    put.mutate(parsed.data);
  };
  return (
    <div className="flex max-w-xl flex-col gap-2">
      {tags.map((tag, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their position
        <div key={i} className="flex gap-2">
          <input
            aria-label={t("tags.key")}
            aria-invalid={error ? true : undefined}
            className={`${inputClass} flex-1`}
            value={tag.key}
            onChange={(e) => setTags(tags.map((x, j) => (j === i ? { ...x, key: e.target.value } : x)))}
          />
          <input
            aria-label={t("tags.value")}
            aria-invalid={error ? true : undefined}
            className={`${inputClass} flex-1`}
            value={tag.value}
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
      <div role="alert" className="text-xs text-red-600 empty:hidden">
        {error}
      </div>
      <div className="flex gap-2">
        <Button variant="ghost" onClick={() => setTags([...tags, { key: "", value: "" }])}>
          <Plus size={14} aria-hidden />
          {t("tags.add")}
        </Button>
        <Button variant="primary" onClick={save} disabled={put.isPending}>
          {t("common.save")}
        </Button>
        <Button onClick={onDone}>{t("common.cancel")}</Button>
      </div>
    </div>
  );
}
