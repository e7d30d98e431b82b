import path from 'node:path';
import postgres from 'postgres';

export const testRoot = path.resolve('.test-tmp');
/** Per run: several runs (developers, CI) may share the checkout. */
export function pgliteTemplatePath(runId: string): string {
  return path.join(testRoot, `pglite-template-${runId}.tar.gz`);
}
export const adminToken = 'ww_test_admin_token_0000000000000000000000';

export function templateDatabaseName(): string {
  return `waiwang_template_${process.pid}`;
}

/** A short-lived admin connection to the server in TEST_DATABASE_URL (its own database). */
export async function withDatabase<T>(url: string, work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
