import { type TKeyListItem, type TRole, ZKeySpec, ZKeyState } from "@kms/domain";
import { Plus, Search } from "lucide-react";
import { useCallback, useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../../components/ui/button";
import { inputClass } from "../../../components/ui/field";
import { MultiSelect } from "../../../components/ui/multi-select";
import { Switch } from "../../../components/ui/switch";
import type { KeysSearch } from "../api/get-keys";
import { CreateKeyDialog } from "./create-key-dialog";
import { DeleteKeyDialog, type KeyRef } from "./delete-key-dialog";
import { KeysBatchBar } from "./keys-batch-bar";
import { type KeySelection, KeysTable } from "./keys-table";

const NONE: KeySelection = new Map();

/** The keys page: filters and sort live in the URL (the route hands them in and takes patches back). */
export function KeysPage({
  projectId,
  role,
  search,
  onSearchChange,
  onOpenKey,
}: {
  projectId: string;
  role: TRole;
  search: KeysSearch;
  onSearchChange: (patch: Partial<KeysSearch>) => void;
  onOpenKey: (id: string) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [createOpen, setCreateOpen] = useState(false);
  const [deleting, setDeleting] = useState<KeyRef[]>([]);
  const onDelete = useCallback((k: TKeyListItem) => setDeleting([{ id: k.id, alias: k.alias }]), []);
  const isAdmin = role === "admin";
  const onQueryChange = useCallback((q: string) => onSearchChange({ q: q || undefined }), [onSearchChange]);
  const [selection, setSelection] = useState<KeySelection>(NONE);
  const clearSelection = useCallback(() => setSelection(NONE), []);
  // A selection belongs to the rows on screen: new filters or another project start afresh.
  const view = JSON.stringify([projectId, search]);
  const [selectionView, setSelectionView] = useState(view);
  if (selectionView !== view) {
    setSelectionView(view);
    setSelection(NONE);
  }

  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-xl font-semibold">{t("keys.title")}</h1>
        {isAdmin && (
          <Button variant="primary" onClick={() => setCreateOpen(true)}>
            <Plus size={16} aria-hidden />
            {t("keys.create")}
          </Button>
        )}
      </div>
      <div className="flex flex-wrap items-end gap-3">
        <SearchBox value={search.q ?? ""} onChange={onQueryChange} />
        <MultiSelect
          id={`${id}-state`}
          label={t("keys.filter.status")}
          allLabel={t("keys.filter.allStatuses")}
          options={ZKeyState.options}
          value={search.state ?? []}
          optionLabel={(s) => t(`keyState.${s}`)}
          onChange={(state) => onSearchChange({ state: state.length > 0 ? state : undefined })}
        />
        <label className="flex flex-col gap-1 text-xs font-medium" htmlFor={`${id}-type`}>
          {t("keys.filter.type")}
          <select
            id={`${id}-type`}
            className={inputClass}
            value={search.type ?? "all"}
            onChange={(e) => {
              const v = e.target.value;
              onSearchChange({ type: v === "default" || v === "custom" ? v : undefined });
            }}
          >
            <option value="all">{t("keys.filter.allTypes")}</option>
            <option value="default">{t("keys.type.default")}</option>
            <option value="custom">{t("keys.type.custom")}</option>
          </select>
        </label>
        <MultiSelect
          id={`${id}-spec`}
          label={t("keys.filter.algorithm")}
          allLabel={t("keys.filter.allAlgorithms")}
          options={ZKeySpec.options}
          value={search.spec ?? []}
          optionLabel={(s) => s}
          onChange={(spec) => onSearchChange({ spec: spec.length > 0 ? spec : undefined })}
        />
        <div className="pb-1.5">
          <Switch
            checked={search.hidden ?? false}
            onCheckedChange={(v) => onSearchChange({ hidden: v || undefined })}
            label={t("keys.showHidden")}
          />
        </div>
      </div>
      {isAdmin && (
        <KeysBatchBar
          projectId={projectId}
          selected={[...selection.values()]}
          onDelete={() => setDeleting([...selection.values()].map((k) => ({ id: k.id, alias: k.alias })))}
          onClear={clearSelection}
        />
      )}
      <KeysTable
        projectId={projectId}
        role={role}
        search={search}
        onDelete={onDelete}
        selection={selection}
        onSelectionChange={isAdmin ? setSelection : undefined}
        onSortChange={(sort, order) => onSearchChange({ sort, order })}
        emptyAction={
          isAdmin ? (
            <Button variant="primary" onClick={() => setCreateOpen(true)}>
              {t("keys.create")}
            </Button>
          ) : undefined
        }
      />
      {isAdmin && (
        <>
          <CreateKeyDialog
            projectId={projectId}
            open={createOpen}
            onOpenChange={setCreateOpen}
            onCreated={onOpenKey}
          />
          <DeleteKeyDialog
            projectId={projectId}
            keys={deleting}
            open={deleting.length > 0}
            onOpenChange={(o) => {
              if (!o) setDeleting([]);
            }}
            onDone={() => {
              // Keys now pending deletion leave the selection; the rest stay selected.
              const gone = new Set(deleting.map((k) => k.id));
              setSelection((prev) => new Map([...prev].filter(([id]) => !gone.has(id))));
            }}
          />
        </>
      )}
    </div>
  );
}

/** Typing updates the URL after a short pause, so every keystroke does not become a request. */
function SearchBox({ value, onChange }: { value: string; onChange: (q: string) => void }) {
  const { t } = useTranslation();
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text === value) return;
    const timer = setTimeout(() => onChange(text.trim()), 300);
    return () => clearTimeout(timer);
  }, [text, value, onChange]);
  return (
    <div className="relative">
      <Search size={14} aria-hidden className="pointer-events-none absolute top-2.5 left-2 text-slate-400" />
      <input
        type="search"
        aria-label={t("keys.search")}
        placeholder={t("keys.search")}
        className={`${inputClass} w-72 pl-7`}
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
    </div>
  );
}
