import { type FormEvent, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../../components/ui/button";
import { Field, inputClass } from "../../../components/ui/field";
import { errorMessage } from "../api/key-mutation";
import { decryptWithKey, encryptWithKey } from "../api/key-tool";

const MAX_BYTES = 4096;

/** Encrypt/decrypt up to 4 KB. Input and result stay in this component's state only (never cached). */
export function KeyToolPanel({ projectId, keyId }: { projectId: string; keyId: string }) {
  const { t } = useTranslation();
  const id = useId();
  const [mode, setMode] = useState<"encrypt" | "decrypt">("encrypt");
  const [input, setInput] = useState("");
  const [result, setResult] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const bytes = new TextEncoder().encode(input).length;

  const clear = () => {
    setInput("");
    setResult("");
    setError(undefined);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (input.length === 0 || (mode === "encrypt" && bytes > MAX_BYTES)) {
      setError(t("tool.error.size", { max: MAX_BYTES }));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      setResult(
        mode === "encrypt"
          ? await encryptWithKey(projectId, keyId, input)
          : await decryptWithKey(projectId, keyId, input),
      );
    } catch (err) {
      setResult("");
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} noValidate className="flex max-w-2xl flex-col gap-3">
      <fieldset className="flex gap-4 text-sm">
        <legend className="sr-only">{t("tool.mode")}</legend>
        {(["encrypt", "decrypt"] as const).map((m) => (
          <label key={m} className="flex items-center gap-1">
            <input
              type="radio"
              name={`${id}-mode`}
              checked={mode === m}
              onChange={() => {
                setMode(m);
                clear();
              }}
            />
            {t(`tool.${m}`)}
          </label>
        ))}
      </fieldset>
      <Field
        id={`${id}-input`}
        label={mode === "encrypt" ? t("tool.plaintext") : t("tool.ciphertext")}
        error={error}
        hint={mode === "encrypt" ? t("tool.bytes", { n: bytes, max: MAX_BYTES }) : undefined}
      >
        <textarea
          id={`${id}-input`}
          rows={5}
          className={`${inputClass} font-mono`}
          value={input}
          autoComplete="off"
          spellCheck={false}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${id}-input-error`}
          onChange={(e) => setInput(e.target.value)}
        />
      </Field>
      <div className="flex gap-2">
        <Button type="submit" variant="primary" disabled={busy}>
          {t(`tool.${mode}`)}
        </Button>
        <Button onClick={clear}>{t("tool.clear")}</Button>
      </div>
      {result && (
        <div data-testid="tool-result" className="flex flex-col gap-1">
          <span className="text-sm font-medium">{t("tool.result")}</span>
          <output className="block rounded-md bg-slate-100 p-2 font-mono text-xs break-all whitespace-pre-wrap dark:bg-slate-800">
            {result}
          </output>
        </div>
      )}
    </form>
  );
}
