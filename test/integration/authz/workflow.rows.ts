// Applications, agreements and the calendar (issue 10). Row shape and fixtures: test/support/authz.ts.
//
// Applying, confirming and withdrawing act for the applying (co-applying) unit; accepting and
// deciding for the reviewer the rules derive — the place's own division for a department of
// it; signing for the signing party's unit. Reads: a GET outside the caller's scope is 404.
import { acrossCounties, forRoles, type AuthzFixtures, type AuthzRow } from '../../support/authz.js';

async function admin(f: AuthzFixtures, method: string, path: string, body?: unknown): Promise<any> {
  const reply = await f.t.call(method, path, { body });
  if (reply.status >= 300) throw new Error(`fixture ${method} ${path}: ${reply.status} ${reply.text}`);
  return reply.body;
}

const accessBody = (applicant: string, coApplicants?: string[]) => ({
  type: 'access',
  applicant,
  zones: ['public'],
  bandwidthMbps: 50,
  securityLevel: 2,
  secrecyCheck: { done: true, classified: false },
  systems: [{ name: '矩阵测试系统' }],
  contact: { name: '李明', phone: '0771-5551234' },
  boundaryResponsible: { name: '韦工', phone: '0771-5550000' },
  ...(coApplicants ? { coApplicants } : {}),
});

/** An application of the target place's department (reviewed by the place's division). */
const submitted = async (f: AuthzFixtures) => (await admin(f, 'POST', '/api/v1/applications', accessBody(f.target.department))).id as string;
const accepted = async (f: AuthzFixtures) => {
  const id = await submitted(f);
  await admin(f, 'POST', `/api/v1/applications/${id}/accept`);
  return id;
};
/** A joint application of a fresh Nanning department with the target's department as co-applicant. */
const joint = async (f: AuthzFixtures) => (await admin(f, 'POST', '/api/v1/applications', accessBody(await f.department('450100'), [f.target.department]))).id as string;
/** The agreement of an approved access application of the target's department. */
const agreement = async (f: AuthzFixtures) => {
  const id = await accepted(f);
  return (await admin(f, 'POST', `/api/v1/applications/${id}/decision`, { decision: 'approve', opinion: '同意' })).agreementId as string;
};

const deciders = (ok: number) => ({ admin: ok, operator: ok, countyOperator: ok, applicant: 403, auditor: 403, agent: 403, none: 401 });
const outside = { operator: 403 };
const approve = { decision: 'approve', opinion: '同意接入' };

/** Reads of one object of the place: 404 outside the caller's scope, 403 for a role that never reads. */
const placeReads = (name: string, path: (f: AuthzFixtures) => Promise<string>): AuthzRow[] => [
  ...forRoles({ name, method: 'GET', path, scope: 'in' }, { admin: 200, auditor: 200, operator: 200, countyOperator: 200, applicant: 404, agent: 403, none: 401 }),
  ...forRoles({ name, method: 'GET', path, scope: 'sibling' }, { operator: 200, countyOperator: 404 }),
  ...forRoles({ name, method: 'GET', path, scope: 'out' }, { admin: 200, auditor: 200, operator: 404, countyOperator: 404, applicant: 404 }),
];
const lists = (name: string, path: string) => forRoles({ name, method: 'GET', path, scope: '-' }, { admin: 200, operator: 200, countyOperator: 200, applicant: 200, auditor: 200, agent: 403, none: 401 });

const year = { year: 2031, papers: [], days: [{ name: '元旦', date: '2031-01-01', isOffDay: true }] };

export const rows: AuthzRow[] = [
  // submit: acts for the applying unit
  ...forRoles({ name: 'submit an application', method: 'POST', path: '/api/v1/applications', body: (f) => accessBody(f.target.department), scope: 'in' }, { ...deciders(201), applicant: 403 }),
  ...forRoles({ name: 'submit an application', method: 'POST', path: '/api/v1/applications', body: (f) => accessBody(f.target.department), scope: 'out' }, { admin: 201, ...outside }),
  ...acrossCounties({ name: 'submit an application', method: 'POST', path: '/api/v1/applications', body: (f) => accessBody(f.target.department) }, 201),
  ...forRoles({ name: 'submit for one’s own department', method: 'POST', path: '/api/v1/applications', body: (f) => accessBody(f.users.applicant.unit), scope: '-' }, { applicant: 201, countyOperator: 403 }),
  // accept and decide: act for the derived reviewer
  ...forRoles({ name: 'accept an application', method: 'POST', path: async (f) => `/api/v1/applications/${await submitted(f)}/accept`, scope: 'in' }, deciders(200)),
  ...forRoles({ name: 'accept an application', method: 'POST', path: async (f) => `/api/v1/applications/${await submitted(f)}/accept`, scope: 'out' }, { admin: 200, ...outside }),
  ...acrossCounties({ name: 'accept an application', method: 'POST', path: async (f) => `/api/v1/applications/${await submitted(f)}/accept` }, 200),
  ...forRoles({ name: 'decide an application', method: 'POST', path: async (f) => `/api/v1/applications/${await accepted(f)}/decision`, body: approve, scope: 'in' }, deciders(200)),
  ...forRoles({ name: 'decide an application', method: 'POST', path: async (f) => `/api/v1/applications/${await accepted(f)}/decision`, body: approve, scope: 'out' }, { admin: 200, ...outside }),
  ...acrossCounties({ name: 'decide an application', method: 'POST', path: async (f) => `/api/v1/applications/${await accepted(f)}/decision`, body: approve }, 200),
  // withdraw: acts for the applying unit
  ...forRoles({ name: 'withdraw an application', method: 'POST', path: async (f) => `/api/v1/applications/${await submitted(f)}/withdraw`, scope: 'in' }, deciders(200)),
  ...forRoles({ name: 'withdraw an application', method: 'POST', path: async (f) => `/api/v1/applications/${await submitted(f)}/withdraw`, scope: 'out' }, { admin: 200, ...outside }),
  ...acrossCounties({ name: 'withdraw an application', method: 'POST', path: async (f) => `/api/v1/applications/${await submitted(f)}/withdraw` }, 200),
  // confirm: acts for the co-applying unit
  ...forRoles({ name: 'confirm as co-applicant', method: 'POST', path: async (f) => `/api/v1/applications/${await joint(f)}/confirm`, scope: 'in' }, deciders(200)),
  ...forRoles({ name: 'confirm as co-applicant', method: 'POST', path: async (f) => `/api/v1/applications/${await joint(f)}/confirm`, scope: 'out' }, { admin: 200, ...outside }),
  ...acrossCounties({ name: 'confirm as co-applicant', method: 'POST', path: async (f) => `/api/v1/applications/${await joint(f)}/confirm` }, 200),
  // sign: the operator's side acts for the reviewing O&M unit; the applicant's only by the applying unit's own users
  ...forRoles({ name: 'sign for the O&M unit', method: 'POST', path: async (f) => `/api/v1/agreements/${await agreement(f)}/signatures`, body: { party: 'operator', signerName: '王工' }, scope: 'in' }, deciders(200)),
  ...forRoles({ name: 'sign for the O&M unit', method: 'POST', path: async (f) => `/api/v1/agreements/${await agreement(f)}/signatures`, body: { party: 'operator', signerName: '王工' }, scope: 'out' }, { admin: 200, ...outside }),
  ...acrossCounties({ name: 'sign for the O&M unit', method: 'POST', path: async (f) => `/api/v1/agreements/${await agreement(f)}/signatures`, body: { party: 'operator', signerName: '王工' } }, 200),
  ...forRoles(
    { name: 'sign for the applicant by someone else', method: 'POST', path: async (f) => `/api/v1/agreements/${await agreement(f)}/signatures`, body: { party: 'applicant', signerName: '李明' }, scope: 'in' },
    { admin: 403, operator: 403, countyOperator: 403, applicant: 403, auditor: 403, agent: 403, none: 401 },
  ),
  // the calendar: one for the whole region, loaded by the admin
  ...forRoles({ name: 'load a calendar year', method: 'PUT', path: '/api/v1/calendar/2031', body: year, scope: '-' }, { admin: 200, operator: 403, countyOperator: 403, applicant: 403, auditor: 403, agent: 403, none: 401 }),
  ...lists('add working days', '/api/v1/calendar/add-workdays?from=2026-09-30&days=3'),
  // reads
  ...placeReads('read an application', async (f) => `/api/v1/applications/${await submitted(f)}`),
  ...placeReads('read an agreement', async (f) => `/api/v1/agreements/${await agreement(f)}`),
  ...forRoles({ name: 'read one’s own department’s application', method: 'GET', path: async (f) => `/api/v1/applications/${(await admin(f, 'POST', '/api/v1/applications', accessBody(f.users.applicant.unit))).id}`, scope: '-' }, { applicant: 200, operator: 200, countyOperator: 404 }),
  ...forRoles({ name: 'read an application one co-applies to', method: 'GET', path: async (f) => `/api/v1/applications/${await joint(f)}`, scope: 'in' }, { countyOperator: 200, applicant: 404 }),
  ...lists('list applications', '/api/v1/applications'),
  ...lists('list overdue applications', '/api/v1/applications?overdue=true'),
  ...lists('list agreements', '/api/v1/agreements'),
];
