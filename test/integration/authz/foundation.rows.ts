// The foundation's endpoints: units, users, tokens, audit. Row shape and fixtures: test/support/authz.ts.
import { acrossCounties, forRoles, type AuthzFixtures, type AuthzRow } from '../../support/authz.js';

const readers = { admin: 200, operator: 200, applicant: 200, auditor: 200, agent: 403, none: 401 };
const adminOnly = (ok: number) => ({ admin: ok, operator: 403, applicant: 403, auditor: 403, agent: 403, none: 401 });
const adminAndOperators = (ok: number) => ({ admin: ok, operator: ok, applicant: 403, auditor: 403, agent: 403, none: 401 });
const everyone = (ok: number) => ({ admin: ok, operator: ok, applicant: ok, auditor: ok, agent: ok, none: 401 });
const auditors = { admin: 200, auditor: 200, operator: 403, applicant: 403, agent: 403, none: 401 };

const department = (f: AuthzFixtures) => ({ code: f.unique('DEPT'), name: `部门 ${f.unique('N')}`, parent: f.target.division, kind: 'department' });

// New divisions need codes nobody holds: counties 450180… under Nanning.
let county = 80;
const newCounty = () => ({ code: `4501${county++}`, name: '矩阵测试区', parent: '450100', kind: 'division' });

const newUser = (role: string, unit: (f: AuthzFixtures) => string) => (f: AuthzFixtures) => {
  const username = f.unique(role).toLowerCase();
  return { username, displayName: username, unit: unit(f), role };
};

const tokensOf = (who: (f: AuthzFixtures) => string) => (f: AuthzFixtures) => `/api/v1/users/${who(f)}/tokens`;
const oneTokenOf = (who: (f: AuthzFixtures) => string) => async (f: AuthzFixtures) => `/api/v1/users/${who(f)}/tokens/${await f.tokenId(who(f))}`;
const me = (f: AuthzFixtures) => f.me.username;
const agentOf = (f: AuthzFixtures) => f.target.agent.username;
const humanTokens = (ok: number) => ({ admin: ok, operator: 403, countyOperator: 403, applicant: 403, auditor: 403, agent: 403 });
/** Agent tokens: the operators whose subtree holds the agent's division. */
const agentTokens = (scope: 'in' | 'sibling' | 'out', ok: number) => ({
  admin: ok,
  operator: scope === 'out' ? 403 : ok,
  countyOperator: scope === 'in' ? ok : 403,
  applicant: 403,
  auditor: 403,
  agent: 403,
});
const theirs = (f: AuthzFixtures) => f.target.user.username;

export const rows: AuthzRow[] = [
  // units: everyone but agents reads the whole tree; writes follow the subtree
  ...forRoles({ name: 'list units', method: 'GET', path: '/api/v1/units?parent=450100', scope: '-' }, readers),
  ...forRoles({ name: 'read a unit', method: 'GET', path: (f) => `/api/v1/units/${f.target.division}`, scope: 'in' }, readers),
  ...forRoles({ name: 'read a unit', method: 'GET', path: (f) => `/api/v1/units/${f.target.department}`, scope: 'out' }, { ...readers, operator: 404, applicant: 404 }),
  ...forRoles({ name: 'create a department', method: 'POST', path: '/api/v1/units', body: department, scope: 'in' }, adminAndOperators(201)),
  ...forRoles({ name: 'create a department', method: 'POST', path: '/api/v1/units', body: department, scope: 'out' }, { admin: 201, operator: 403 }),
  ...acrossCounties({ name: 'create a department', method: 'POST', path: '/api/v1/units', body: department }, 201),
  ...forRoles({ name: 'create a division', method: 'POST', path: '/api/v1/units', body: newCounty, scope: 'in' }, { ...adminOnly(201), countyOperator: 403 }),
  ...forRoles(
    { name: 'rename a department', method: 'PATCH', path: (f) => `/api/v1/units/${f.target.department}`, body: (f) => ({ name: `改名 ${f.unique('N')}` }), scope: 'in' },
    adminAndOperators(200),
  ),
  ...forRoles(
    { name: 'rename a department', method: 'PATCH', path: (f) => `/api/v1/units/${f.target.department}`, body: { name: '改名' }, scope: 'out' },
    { admin: 200, operator: 403 },
  ),
  ...acrossCounties({ name: 'rename a department', method: 'PATCH', path: (f) => `/api/v1/units/${f.target.department}`, body: (f) => ({ name: `改名 ${f.unique('N')}` }) }, 200),
  ...forRoles(
    { name: 'set a division’s channels', method: 'PATCH', path: (f) => `/api/v1/units/${f.target.division}`, body: { channels: { hotline: '0771-5555555' } }, scope: 'in' },
    adminAndOperators(200),
  ),
  ...forRoles(
    { name: 'set a division’s channels', method: 'PATCH', path: (f) => `/api/v1/units/${f.target.division}`, body: { channels: { hotline: '0772-5555555' } }, scope: 'out' },
    { admin: 200, operator: 403 },
  ),
  ...acrossCounties({ name: 'set a division’s channels', method: 'PATCH', path: (f) => `/api/v1/units/${f.target.division}`, body: { channels: { hotline: '0771-5556666' } } }, 200),
  ...forRoles(
    { name: 'rename a division', method: 'PATCH', path: (f) => `/api/v1/units/${f.target.division}`, body: { name: '兴宁区' }, scope: 'in' },
    { ...adminOnly(200), countyOperator: 403 },
  ),
  ...forRoles(
    { name: 'delete a department', method: 'DELETE', path: async (f) => `/api/v1/units/${await f.department(f.target.division)}`, scope: 'in' },
    adminAndOperators(204),
  ),
  ...forRoles(
    { name: 'delete a department', method: 'DELETE', path: async (f) => `/api/v1/units/${await f.department(f.target.division)}`, scope: 'out' },
    { admin: 204, operator: 403 },
  ),
  ...acrossCounties({ name: 'delete a department', method: 'DELETE', path: async (f) => `/api/v1/units/${await f.department(f.target.division)}` }, 204),

  // users: operators create users in their subtree, never admins or auditors
  ...forRoles({ name: 'list users', method: 'GET', path: '/api/v1/users', scope: '-' }, { admin: 200, operator: 200, auditor: 200, applicant: 403, agent: 403, none: 401 }),
  ...forRoles({ name: 'create an operator', method: 'POST', path: '/api/v1/users', body: newUser('operator', (f) => f.target.division), scope: 'in' }, adminAndOperators(201)),
  ...forRoles({ name: 'create an applicant', method: 'POST', path: '/api/v1/users', body: newUser('applicant', (f) => f.target.department), scope: 'in' }, adminAndOperators(201)),
  ...forRoles({ name: 'create an agent', method: 'POST', path: '/api/v1/users', body: newUser('agent', () => '450100'), scope: 'in' }, adminAndOperators(201)),
  ...forRoles({ name: 'create an operator', method: 'POST', path: '/api/v1/users', body: newUser('operator', (f) => f.target.division), scope: 'out' }, { admin: 201, operator: 403 }),
  ...acrossCounties({ name: 'create an operator', method: 'POST', path: '/api/v1/users', body: newUser('operator', (f) => f.target.division) }, 201),
  ...acrossCounties({ name: 'create an agent', method: 'POST', path: '/api/v1/users', body: newUser('agent', (f) => f.target.division) }, 201),
  ...forRoles({ name: 'create an admin', method: 'POST', path: '/api/v1/users', body: newUser('admin', () => '450102'), scope: 'in' }, { ...adminOnly(201), countyOperator: 403 }),
  ...forRoles({ name: 'create an auditor', method: 'POST', path: '/api/v1/users', body: newUser('auditor', () => '450102'), scope: 'in' }, { ...adminOnly(201), countyOperator: 403 }),

  // tokens: everyone manages their own; a human user's tokens are also the admin's (nobody else
  // may mint a token that acts as a colleague); operators manage the agent users' tokens of their subtree
  ...forRoles({ name: 'issue own token', method: 'POST', path: tokensOf(me), body: {}, scope: '-' }, { ...everyone(201), countyOperator: 201 }),
  ...forRoles({ name: 'list own tokens', method: 'GET', path: tokensOf(me), scope: '-' }, { ...everyone(200), countyOperator: 200 }),
  ...forRoles({ name: 'revoke own token', method: 'DELETE', path: oneTokenOf(me), scope: '-' }, { ...everyone(204), countyOperator: 204 }),
  ...(['in', 'sibling', 'out'] as const).flatMap((scope) => [
    ...forRoles({ name: 'issue an applicant’s token', method: 'POST', path: tokensOf(theirs), body: {}, scope }, humanTokens(201)),
    ...forRoles({ name: 'list an applicant’s tokens', method: 'GET', path: tokensOf(theirs), scope }, humanTokens(200)),
    ...forRoles({ name: 'revoke an applicant’s token', method: 'DELETE', path: oneTokenOf(theirs), scope }, humanTokens(204)),
    ...forRoles({ name: 'issue an agent’s token', method: 'POST', path: tokensOf(agentOf), body: {}, scope }, agentTokens(scope, 201)),
    ...forRoles({ name: 'list an agent’s tokens', method: 'GET', path: tokensOf(agentOf), scope }, agentTokens(scope, 200)),
    ...forRoles({ name: 'revoke an agent’s token', method: 'DELETE', path: oneTokenOf(agentOf), scope }, agentTokens(scope, 204)),
  ]),
  ...forRoles({ name: 'issue a peer operator’s token', method: 'POST', path: tokensOf((f) => f.users.countyOperator.username), body: {}, scope: 'in' }, { admin: 201, operator: 403 }),
  ...forRoles({ name: 'revoke a peer operator’s token', method: 'DELETE', path: oneTokenOf((f) => f.users.countyOperator.username), scope: 'in' }, { admin: 204, operator: 403 }),
  ...forRoles({ name: 'issue an auditor’s token', method: 'POST', path: tokensOf((f) => f.users.auditor.username), body: {}, scope: 'out' }, { admin: 201, operator: 403 }),

  // audit: read and verified by the admin and auditors only
  ...forRoles({ name: 'read the audit trail', method: 'GET', path: '/api/v1/audit', scope: '-' }, auditors),
  ...forRoles({ name: 'verify the audit chain', method: 'GET', path: '/api/v1/audit/verify', scope: '-' }, auditors),
];
