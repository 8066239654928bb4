import { X } from "lucide-react";
import { useSyncExternalStore } from "react";
import { useTranslation } from "react-i18next";

interface Toast {
  id: number;
  kind: "error" | "success";
  message: string;
}

let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<() => void>();
const emit = () => {
  for (const l of listeners) l();
};

function push(kind: Toast["kind"], message: string): void {
  const id = nextId++;
  toasts = [...toasts, { id, kind, message }];
  emit();
  setTimeout(() => dismiss(id), kind === "error" ? 8000 : 4000);
}

export function dismiss(id: number): void {
  toasts = toasts.filter((t) => t.id !== id);
  emit();
}

export const toast = {
  error: (message: string) => push("error", message),
  success: (message: string) => push("success", message),
};

export function Toaster() {
  const { t } = useTranslation();
  const items = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => toasts,
  );
  return (
    <div className="fixed right-4 bottom-4 z-50 flex w-80 flex-col gap-2">
      <div role="alert" className="flex flex-col gap-2">
        {items
          .filter((i) => i.kind === "error")
          .map((i) => (
            <ToastItem key={i.id} item={i} closeLabel={t("common.dismiss")} />
          ))}
      </div>
      <div role="status" className="flex flex-col gap-2">
        {items
          .filter((i) => i.kind === "success")
          .map((i) => (
            <ToastItem key={i.id} item={i} closeLabel={t("common.dismiss")} />
          ))}
      </div>
    </div>
  );
}

function ToastItem({ item, closeLabel }: { item: Toast; closeLabel: string }) {
  return (
    <div
      className={`flex items-start gap-2 rounded-md px-3 py-2 text-sm shadow-lg ${item.kind === "error" ? "bg-red-700 text-white" : "bg-slate-800 text-white"}`}
    >
      <span className="flex-1 whitespace-pre-line">{item.message}</span>
      <button type="button" aria-label={closeLabel} onClick={() => dismiss(item.id)}>
        <X size={14} aria-hidden />
      </button>
    </div>
  );
}
