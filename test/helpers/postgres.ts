// A private PostgreSQL database for a test on the machine's server (127.0.0.1:5432, trust auth; WEIR_TEST_PG_URL
// overrides the admin URL): created fresh, dropped on dispose. Fails loudly when the server cannot be reached.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN_URL = process.env.WEIR_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  url: string;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function createTestDatabase(prefix = 'weir_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  } catch (e) {
    throw new Error(
      `cannot create a test database on ${ADMIN_URL} (PostgreSQL must run there with trust auth): ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  } finally {
    await admin.end().catch(() => undefined);
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async [Symbol.asyncDispose]() {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
