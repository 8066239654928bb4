import { DefaultKeysPage } from "../../features/default-keys/components/default-keys-page";
import { useAppSession } from "../session-context";

export function DefaultKeysRoute() {
  const { projectId } = useAppSession();
  return <DefaultKeysPage projectId={projectId} />;
}
