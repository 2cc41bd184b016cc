import Redis from 'ioredis';
import { Client } from 'pg';
import { databaseUrlFor, redisUrl } from './services';

export default async function globalTeardown(): Promise<void> {
  const database = process.env.MH_TEST_DATABASE;
  if (database && process.env.KEEP_TEST_DATABASE !== 'true') {
    const admin = new Client({ connectionString: databaseUrlFor('postgres') });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  }
  const prefix = process.env.QUEUE_PREFIX;
  if (prefix?.startsWith('mh_test_')) {
    const redis = new Redis(redisUrl());
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
  }
}
