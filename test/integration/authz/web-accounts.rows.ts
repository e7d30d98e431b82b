// Accounts (issue 10): one's own password, and the admin's disabling and enabling of users.
// Row shape and fixtures: test/support/authz.ts.
import { forRoles, type AuthzFixtures, type AuthzRow } from '../../support/authz.js';

const password = (who: (f: AuthzFixtures) => string) => (f: AuthzFixtures) => `/api/v1/users/${who(f)}/password`;
const change = { currentPassword: 'not-the-password', newPassword: 'a-new-longer-password' };
/** A fresh applicant of the row's department for each disabling row: the fixtures' own users keep working. */
const victim = (action: 'disable' | 'enable') => async (f: AuthzFixtures) => `/api/v1/users/${(await f.user('applicant', f.target.department)).username}/${action}`;
const adminOnly = (ok: number) => ({ admin: ok, operator: 403, countyOperator: 403, applicant: 403, auditor: 403, agent: 403, none: 401 });

export const rows: AuthzRow[] = [
  // Own password: every human role may try (the fixtures have no password, so the current one is
  // wrong: 400); agents have no password to change. Somebody else's: nobody, not even the admin.
  ...forRoles(
    { name: 'change own password', method: 'POST', path: password((f) => f.me.username), body: change, scope: '-' },
    { admin: 400, operator: 400, countyOperator: 400, applicant: 400, auditor: 400, agent: 403, none: 401 },
  ),
  ...(['in', 'sibling', 'out'] as const).flatMap((scope) => [
    ...forRoles({ name: 'change someone else’s password', method: 'POST', path: password((f) => f.target.user.username), body: change, scope }, { ...adminOnly(403) }),
    ...forRoles({ name: 'disable a user', method: 'POST', path: victim('disable'), scope }, adminOnly(200)),
    ...forRoles({ name: 'enable a user', method: 'POST', path: victim('enable'), scope }, adminOnly(200)),
  ]),
];
