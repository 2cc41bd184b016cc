import type { GraphErrorFields } from '../graph/graph-api.error';

/** What a health check found, returned by GET /admin/pages/:pageId/health and stored on the Page. */
export interface PageHealthReport {
  pageId: string;
  checkedAt: string;
  /** True when the token is valid, has every required scope, and the subscription is complete. */
  healthy: boolean;
  problems: PageHealthProblem[];
  token: {
    valid: boolean | null;
    type?: string;
    expiresAt: string | null;
    scopes: string[];
    missingScopes: string[];
    error?: string;
  };
  subscription: {
    /** null when it could not be checked (invalid token, Graph unreachable). */
    subscribed: boolean | null;
    fields: string[];
    missingFields: string[];
    error?: Omit<GraphErrorFields, 'message'> & { message: string };
  };
}

export type PageHealthProblem =
  | 'token_invalid'
  | 'permission_missing'
  | 'subscription_missing'
  | 'subscription_incomplete'
  | 'graph_unavailable';
