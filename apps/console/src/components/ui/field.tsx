import type { ReactNode } from "react";

/** A labelled form field whose error is announced: aria-invalid on the control, the message in role="alert". */
export function Field({
  id,
  label,
  error,
  hint,
  children,
}: {
  id: string;
  label: string;
  error?: string | undefined;
  hint?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      {children}
      {hint && <div className="text-xs text-slate-500">{hint}</div>}
      <div role="alert" id={`${id}-error`} className="text-xs text-red-600 empty:hidden dark:text-red-400">
        {error}
      </div>
    </div>
  );
}

export const inputClass =
  "rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm aria-[invalid=true]:border-red-500 dark:border-slate-600 dark:bg-slate-900";
