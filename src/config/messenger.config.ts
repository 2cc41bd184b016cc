import { registerAs } from '@nestjs/config';
import { IsInt, IsOptional, IsUrl, Matches, Min } from 'class-validator';
import { assertNoProblems, requireHttpsInProduction, secret, validateEnv } from './validate-env';

class MessengerEnv {
  @IsOptional()
  @Matches(/^\d{1,32}$/, { message: 'must be the numeric Facebook app id' })
  FB_APP_ID?: string;

  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' })
  GRAPH_API_BASE_URL?: string;

  @IsOptional()
  @Matches(/^v\d+\.\d+$/, { message: 'must look like v23.0' })
  GRAPH_API_VERSION?: string;

  @IsOptional()
  @IsInt({ message: 'must be a number of milliseconds' })
  @Min(100)
  GRAPH_API_TIMEOUT_MS?: number;
}

export const DEV_FB_APP_ID = '100000000000001';
export const DEV_FB_APP_SECRET = 'dev-only-app-secret';
export const DEV_FB_VERIFY_TOKEN = 'dev-only-verify-token';

export function loadMessengerConfig(env = process.env) {
  const v = validateEnv(MessengerEnv, env);
  const problems: string[] = [];
  const appSecret = secret(env, 'FB_APP_SECRET', DEV_FB_APP_SECRET, problems);
  const verifyToken = secret(env, 'FB_VERIFY_TOKEN', DEV_FB_VERIFY_TOKEN, problems);
  if (env.NODE_ENV === 'production' && !v.FB_APP_ID) problems.push('FB_APP_ID: required when NODE_ENV=production');
  // Every Graph call carries a Page token and appsecret_proof.
  requireHttpsInProduction(env, 'GRAPH_API_BASE_URL', v.GRAPH_API_BASE_URL, problems);
  assertNoProblems(problems);
  return {
    appId: v.FB_APP_ID ?? DEV_FB_APP_ID,
    appSecret,
    verifyToken,
    graphBaseUrl: (v.GRAPH_API_BASE_URL ?? 'https://graph.facebook.com').replace(/\/+$/, ''),
    // The one place the Graph API version is chosen.
    graphVersion: v.GRAPH_API_VERSION ?? 'v23.0',
    graphTimeoutMs: v.GRAPH_API_TIMEOUT_MS ?? 10_000,
  };
}

export type MessengerConfig = ReturnType<typeof loadMessengerConfig>;
export const messengerConfig = registerAs('messenger', () => loadMessengerConfig());
