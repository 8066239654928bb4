import { KeyRound } from "lucide-react";
import { type FormEvent, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../../components/ui/button";
import { Field, inputClass } from "../../../components/ui/field";
import { isApiError } from "../../../lib/api-client";
import { useSignIn } from "../api/sign-in";
import { LanguageSwitch } from "./language-switch";

export function SignInPage() {
  const { t } = useTranslation();
  const id = useId();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string>();
  const signIn = useSignIn();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!username || !password) {
      setError(t("signIn.required"));
      return;
    }
    setError(undefined);
    signIn.mutate(
      { username, password },
      {
        onError: (err) =>
          setError(
            isApiError(err) && err.status === 401
              ? t("signIn.invalid")
              : isApiError(err)
                ? err.message
                : t("common.unexpectedError"),
          ),
      },
    );
  };

  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div className="w-full max-w-sm rounded-lg border border-slate-200 p-6 shadow-sm dark:border-slate-700">
        <div className="mb-4 flex items-center justify-between">
          <h1 className="flex items-center gap-2 text-lg font-semibold">
            <KeyRound size={20} aria-hidden />
            {t("app.title")}
          </h1>
          <LanguageSwitch />
        </div>
        <form onSubmit={submit} noValidate className="flex flex-col gap-3">
          <Field id={`${id}-user`} label={t("signIn.username")}>
            <input
              id={`${id}-user`}
              className={inputClass}
              autoComplete="username"
              value={username}
              aria-invalid={error ? true : undefined}
              onChange={(e) => setUsername(e.target.value)}
            />
          </Field>
          <Field id={`${id}-password`} label={t("signIn.password")}>
            <input
              id={`${id}-password`}
              type="password"
              className={inputClass}
              autoComplete="current-password"
              value={password}
              aria-invalid={error ? true : undefined}
              onChange={(e) => setPassword(e.target.value)}
            />
          </Field>
          <div role="alert" className="text-sm text-red-600 empty:hidden">
            {error}
          </div>
          <Button type="submit" variant="primary" disabled={signIn.isPending}>
            {signIn.isPending ? t("signIn.signingIn") : t("signIn.submit")}
          </Button>
        </form>
      </div>
    </main>
  );
}
