import { ZMonth } from "@kms/domain";
import type { QueryClient } from "@tanstack/react-query";
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  lazyRouteComponent,
  type RouterHistory,
  redirect,
} from "@tanstack/react-router";
import { z } from "zod";
import { ZAuditSearch } from "../features/audit/api/get-audit";
import { ZKeysSearch } from "../features/keys/api/get-keys";
import { KEY_TABS } from "../features/keys/components/key-tabs";
import { NotFound } from "./routes/not-found";
import { RootLayout } from "./routes/root-layout";

// The entry chunk is the shell (session, header, sign-in); every page is its own chunk, preloaded on intent.
const rootRoute = createRootRouteWithContext<{ queryClient: QueryClient }>()({
  component: RootLayout,
  notFoundComponent: NotFound,
});

const indexRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/",
  beforeLoad: () => {
    throw redirect({ to: "/keys" });
  },
});

// Search params are validated with zod (Standard Schema): filters, sort and tabs can be bookmarked.
const keysRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/keys",
  validateSearch: ZKeysSearch,
  component: lazyRouteComponent(() => import("./routes/keys"), "KeysRoute"),
});

const keyDetailRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/keys/$keyId",
  validateSearch: z.object({ tab: z.enum(KEY_TABS).optional().catch(undefined) }),
  component: lazyRouteComponent(() => import("./routes/key-detail"), "KeyDetailRoute"),
});

const usageRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/usage",
  validateSearch: z.object({ month: ZMonth.optional().catch(undefined) }),
  component: lazyRouteComponent(() => import("./routes/usage"), "UsageRoute"),
});

const defaultKeysRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/default-keys",
  component: lazyRouteComponent(() => import("./routes/default-keys"), "DefaultKeysRoute"),
});

const auditRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/audit",
  validateSearch: ZAuditSearch,
  component: lazyRouteComponent(() => import("./routes/audit"), "AuditRoute"),
});

const routeTree = rootRoute.addChildren([
  indexRoute,
  keysRoute,
  keyDetailRoute,
  usageRoute,
  defaultKeysRoute,
  auditRoute,
]);

export function createAppRouter(queryClient: QueryClient, history?: RouterHistory) {
  return createRouter({
    routeTree,
    context: { queryClient },
    defaultPreload: "intent",
    scrollRestoration: true,
    ...(history ? { history } : {}),
  });
}

declare module "@tanstack/react-router" {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}
