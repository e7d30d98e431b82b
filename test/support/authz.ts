/**
 * The authorization matrix: one row per (endpoint, role, scope) with the status it must get.
 *
 * To add rows for a module, write `test/integration/authz/<module>.rows.ts` exporting
 * `rows: AuthzRow[]`; authz-matrix.test.ts finds every `*.rows.ts` file there and runs each row
 * on every backend. A row:
 *
 *   {
 *     name: 'create a department',          // what the row checks, shown in the test name
 *     method: 'POST',
 *     path: '/api/v1/units',                 // or (f) => `/api/v1/users/${f.me.username}/tokens`
 *     body: (f) => ({ code: f.unique('DEPT'), parent: f.target.division, ... }),   // optional
 *     role: 'operator',                      // admin | operator | countyOperator | applicant | auditor | agent | none (no token)
 *     scope: 'in',                           // in | sibling | out | - (see below)
 *     expect: 201,
 *   }
 *
 * `path` and `body` may be values or (async) functions of the fixtures, called right before the
 * request: a row that deletes something creates its own victim there (f.department(...)).
 * `forRoles()` spells one request for several roles at once; `acrossCounties()` adds a write's
 * county-operator rows (in, sibling, out) and the city operator's sibling row. A body sent as it
 * is (a CSV import) names its `contentType`.
 *
 * Every write endpoint of the OpenAPI document needs rows for the county operator at scopes in,
 * sibling and out and for the operator at sibling and out (authz-matrix.test.ts checks it; the
 * few writes that act for no unit are listed there and need one county-operator row).
 *
 * The fixtures (fresh per backend): the admin; an operator of 450100 (Nanning, a city); a
 * countyOperator of 450102 (a county of Nanning); an applicant bound to a department of 450100;
 * an auditor and an agent bound to 450000. Places, each a division with a department, an
 * applicant of that department and an agent user of the division:
 *   in      → 450102, in scope of both operators;
 *   sibling → 450103, another county of the same city: in scope of the city operator, outside
 *             the county operator's (article 21: a county never reaches into its neighbour);
 *   out     → 450200 (Liuzhou), another city: outside both operators' scope.
 * f.target is the row's own: in → f.in, sibling → f.sibling, out → f.out, - → f.in.
 *
 * Every refused row must answer problem+json with the matching code (401 unauthorized,
 * 403 forbidden) and must leave the audit trail as it was: a refusal writes nothing.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { countRows, type TestApp } from './harness.js';

export type AuthzRole = 'admin' | 'operator' | 'countyOperator' | 'applicant' | 'auditor' | 'agent' | 'none';
export type AuthzScope = 'in' | 'sibling' | 'out' | '-';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface AuthzUser {
  username: string;
  token: string;
  unit: string;
}

/** A place to act: a division and a department of it. */
export interface AuthzPlace {
  division: string;
  department: string;
  /** A user bound to that department (an applicant), whose tokens "someone else's" rows touch. */
  user: AuthzUser;
  /** An agent user bound to the division: the only kind of user whose tokens an operator manages. */
  agent: AuthzUser;
}

export interface AuthzFixtures {
  t: TestApp;
  users: Record<Exclude<AuthzRole, 'none'>, AuthzUser>;
  /** The row's caller (for 'none', a user whose token is not sent). */
  me: AuthzUser;
  in: AuthzPlace;
  sibling: AuthzPlace;
  out: AuthzPlace;
  /** f.in, f.sibling or f.out, by the row's scope. */
  target: AuthzPlace;
  /** A code or name nobody has used yet in this run: `${prefix}-<n>`, upper case. */
  unique(prefix: string): string;
  /** A fresh department under `parent`, created by the admin. */
  department(parent: string): Promise<string>;
  /** A fresh user, created by the admin, with a token. */
  user(role: Exclude<AuthzRole, 'none'>, unit: string): Promise<AuthzUser>;
  /** Issues one more token to `username` (by the admin) and returns its id. */
  tokenId(username: string): Promise<string>;
}

type Dynamic<T> = T | ((f: AuthzFixtures) => T | Promise<T>);
/** A JSON body (not `unknown`, so that a function given here gets its fixtures parameter typed). */
export type AuthzBody = Record<string, unknown> | unknown[] | string | number | boolean | null;

export interface AuthzRow {
  name: string;
  method: HttpMethod;
  path: Dynamic<string>;
  body?: Dynamic<AuthzBody>;
  /** Send `body` (then a string) as it is with this content type instead of JSON: a CSV import. */
  contentType?: string;
  role: AuthzRole;
  scope: AuthzScope;
  expect: number;
}

/** One request, expected statuses by role: `forRoles({...}, { admin: 201, operator: 403, none: 401 })`. */
export function forRoles(base: Omit<AuthzRow, 'role' | 'expect'>, expected: Partial<Record<AuthzRole, number>>): AuthzRow[] {
  return Object.entries(expected).map(([role, status]) => ({ ...base, role: role as AuthzRole, expect: status! }));
}

/**
 * The county lines of a write that acts for f.target's division: the county operator (450102)
 * may in its own county only, never in the neighbouring county of the same city nor in another
 * city; the city operator (450100) reaches both of its counties. The rows for the other roles,
 * and the city operator's own in and out rows, stay with the endpoint's other rows.
 */
export function acrossCounties(base: Omit<AuthzRow, 'role' | 'expect' | 'scope'>, ok: number): AuthzRow[] {
  return [
    ...forRoles({ ...base, scope: 'in' }, { countyOperator: ok }),
    ...forRoles({ ...base, scope: 'sibling' }, { countyOperator: 403, operator: ok }),
    ...forRoles({ ...base, scope: 'out' }, { countyOperator: 403 }),
  ];
}

export function describeRow(row: AuthzRow): string {
  return `${row.role} ${row.method} ${row.name} (scope ${row.scope}) → ${row.expect}`;
}

let uniqueCounter = 0;

export async function createFixtures(t: TestApp): Promise<Omit<AuthzFixtures, 'me' | 'target'>> {
  const run = randomBytes(2).toString('hex').toUpperCase();
  const unique = (prefix: string) => `${prefix}-${run}${++uniqueCounter}`.toUpperCase();
  const admin = async (method: HttpMethod, path: string, body?: unknown) => {
    const reply = await t.call(method, path, { body });
    if (reply.status >= 300) throw new Error(`fixture ${method} ${path} failed: ${reply.status} ${reply.text}`);
    return reply.body;
  };
  const department = async (parent: string) => {
    const code = unique('AUTHZ');
    await admin('POST', '/api/v1/units', { code, name: `授权测试单位 ${code}`, parent, kind: 'department' });
    return code;
  };
  const tokenId = async (username: string) => (await admin('POST', `/api/v1/users/${username}/tokens`, {})).id as string;
  const user = async (role: Exclude<AuthzRole, 'none'>, unit: string): Promise<AuthzUser> => {
    const username = unique(role).toLowerCase();
    await admin('POST', '/api/v1/users', { username, displayName: username, unit, role });
    const issued = await admin('POST', `/api/v1/users/${username}/tokens`, {});
    return { username, token: issued.token, unit };
  };

  const nanningDepartment = await department('450100');
  const place = async (division: string): Promise<AuthzPlace> => {
    const dept = await department(division);
    return { division, department: dept, user: await user('applicant', dept), agent: await user('agent', division) };
  };
  return {
    t,
    users: {
      admin: { username: 'admin', token: t.adminToken, unit: '450000' },
      operator: await user('operator', '450100'),
      countyOperator: await user('operator', '450102'),
      applicant: await user('applicant', nanningDepartment),
      auditor: await user('auditor', '450000'),
      agent: await user('agent', '450000'),
    },
    in: await place('450102'),
    sibling: await place('450103'),
    out: await place('450200'),
    unique,
    department,
    user,
    tokenId,
  };
}

async function resolve<T>(value: Dynamic<T>, f: AuthzFixtures): Promise<T> {
  return typeof value === 'function' ? (value as (f: AuthzFixtures) => T | Promise<T>)(f) : value;
}

const refusalCodes: Record<number, string> = { 401: 'unauthorized', 403: 'forbidden' };

/**
 * Runs one row: resolves its path and body, calls as its role, checks status and that a refusal
 * wrote nothing. `onRequest` hears the resolved path (the matrix checks which endpoints it covered).
 */
export async function runRow(base: Omit<AuthzFixtures, 'me' | 'target'>, row: AuthzRow, onRequest?: (path: string) => void): Promise<void> {
  const me = row.role === 'none' ? base.users.operator : base.users[row.role];
  const f: AuthzFixtures = { ...base, me, target: row.scope === 'out' ? base.out : row.scope === 'sibling' ? base.sibling : base.in };
  const path = await resolve(row.path, f);
  onRequest?.(path);
  const body = row.body === undefined ? undefined : await resolve(row.body, f);
  const auditBefore = await countRows(f.t, 'audit_entries');
  const token = row.role === 'none' ? null : me.token;
  const reply = await f.t.call(
    row.method,
    path,
    row.contentType ? { token, raw: String(body), headers: { 'content-type': row.contentType } } : { token, body },
  );
  expect(reply.status, `${describeRow(row)}: ${row.method} ${path} answered ${reply.text.slice(0, 300)}`).toBe(row.expect);
  if (reply.status >= 400) {
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    if (refusalCodes[reply.status]) expect(reply.body.code).toBe(refusalCodes[reply.status]);
    expect(await countRows(f.t, 'audit_entries'), 'a refused request wrote an audit entry').toBe(auditBefore);
  }
}
