/** Shapes of Graph API answers, and small parsers for them (used only by GraphApiClient). */

export interface FacebookErrorBody {
  error?: { message?: string; type?: string; code?: number; error_subcode?: number; fbtrace_id?: string };
}

export interface DebugTokenData {
  is_valid?: boolean;
  type?: string;
  app_id?: string | number;
  profile_id?: string | number;
  user_id?: string | number;
  scopes?: string[];
  expires_at?: number;
  error?: { message?: string; code?: number };
}

export interface AccountsPage {
  data?: Array<{ id: string; name?: string; access_token: string; tasks?: string[] }>;
  paging?: { next?: string };
}

export function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function toInt(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
}

/** Retry-After is either seconds or an HTTP date. */
export function parseRetryAfter(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
