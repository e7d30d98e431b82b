import type { RuleTable } from '../access/rule.js';

const readers = ['admin', 'operator', 'applicant', 'auditor'] as const;

// Domains act for units like prefixes do: delegating and reclaiming act for the parent zone's
// holder, records and name servers for the zone's own holder (so a county's operators write
// into their townships' zones, article 21). Zone files are also pulled by machines: a DNS
// server's pull job may run with an agent's token.
export const rules = {
  'domain.read': { roles: readers, scoped: false },
  'zone.read': { roles: [...readers, 'agent'], scoped: false },
  'domain.create': { roles: ['admin'], scoped: false },
  'domain.delegate': { roles: ['admin', 'operator'], scoped: true },
  'domain.update': { roles: ['admin', 'operator'], scoped: true },
  'domain.reclaim': { roles: ['admin', 'operator'], scoped: true },
  'record.create': { roles: ['admin', 'operator'], scoped: true },
  'record.delete': { roles: ['admin', 'operator'], scoped: true },
} as const satisfies RuleTable;
