import { registerAs } from '@nestjs/config';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { assertNoProblems, validateEnv, type Env } from './validate-env';

/** Page webhook fields an app can subscribe to for Messenger (graph-api/reference/page/subscribed_apps). */
export const MESSENGER_WEBHOOK_FIELDS = [
  'messages',
  'messaging_postbacks',
  'messaging_optins',
  'messaging_optouts',
  'messaging_referrals',
  'messaging_account_linking',
  'message_deliveries',
  'message_reads',
  'message_echoes',
  'message_reactions',
  'message_edits',
  'messaging_handovers',
  'messaging_policy_enforcement',
  'messaging_game_plays',
  'messaging_customer_information',
  'messaging_feedback',
  'messaging_appointments',
  'standby',
] as const;

/** What the platform handles (issue 5); `PAGES_SUBSCRIBED_FIELDS` overrides it. */
export const DEFAULT_SUBSCRIBED_FIELDS = [
  'messages',
  'messaging_postbacks',
  'messaging_optins',
  'messaging_referrals',
  'messaging_account_linking',
  'message_deliveries',
  'message_reads',
  'message_echoes',
  'messaging_handovers',
  'standby',
];

/** A Page token without these cannot message anyone. */
export const REQUIRED_PAGE_SCOPES = ['pages_messaging'];

class PagesEnv {
  @IsOptional()
  @IsString()
  PAGES_SUBSCRIBED_FIELDS?: string;

  @IsOptional()
  @IsInt({ message: 'must be a whole number of minutes' })
  @Min(1)
  PAGES_HEALTH_CHECK_MINUTES?: number;

  @IsOptional()
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  @Max(1000)
  PAGES_HEALTH_BATCH?: number;

  @IsOptional()
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  @Max(50)
  PAGES_HEALTH_CONCURRENCY?: number;

  @IsOptional()
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  @Max(50)
  PAGES_IMPORT_CONCURRENCY?: number;

  @IsOptional()
  @IsInt({ message: 'must be a whole number of hours' })
  @Min(1)
  PAGES_REENCRYPT_HOURS?: number;

  @IsOptional()
  @IsInt({ message: 'must be a whole number of seconds' })
  @Min(0)
  @Max(3600)
  PAGES_TOKEN_CACHE_SECONDS?: number;
}

export const isKnownWebhookField = (field: string): boolean =>
  (MESSENGER_WEBHOOK_FIELDS as readonly string[]).includes(field);

export function loadPagesConfig(env: Env = process.env) {
  const v = validateEnv(PagesEnv, env);
  const problems: string[] = [];
  let subscribedFields = DEFAULT_SUBSCRIBED_FIELDS;
  if (v.PAGES_SUBSCRIBED_FIELDS !== undefined) {
    subscribedFields = [
      ...new Set(
        v.PAGES_SUBSCRIBED_FIELDS.split(',')
          .map((f) => f.trim())
          .filter(Boolean),
      ),
    ];
    const unknown = subscribedFields.filter((f) => !isKnownWebhookField(f));
    if (unknown.length > 0) problems.push(`PAGES_SUBSCRIBED_FIELDS: unknown field(s) ${unknown.join(', ')}`);
    else if (subscribedFields.length === 0)
      problems.push('PAGES_SUBSCRIBED_FIELDS: needs at least one field');
  }
  assertNoProblems(problems);
  return {
    subscribedFields,
    healthCheckEveryMs: (v.PAGES_HEALTH_CHECK_MINUTES ?? 15) * 60_000,
    healthBatchSize: v.PAGES_HEALTH_BATCH ?? 100,
    // Bounded so that 10,000 Pages do not flood the Graph API (two calls per Page per check).
    healthConcurrency: v.PAGES_HEALTH_CONCURRENCY ?? 5,
    importConcurrency: v.PAGES_IMPORT_CONCURRENCY ?? 5,
    reencryptEveryMs: (v.PAGES_REENCRYPT_HOURS ?? 24) * 3_600_000,
    tokenCacheMs: (v.PAGES_TOKEN_CACHE_SECONDS ?? 60) * 1_000,
  };
}

export type PagesConfig = ReturnType<typeof loadPagesConfig>;
export const pagesConfig = registerAs('pages', () => loadPagesConfig());
