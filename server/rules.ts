// The authorization index: every module's rows, like server/db/schema.ts is the schema index.
// `Action` is derived from it, so `authorize(ctx, 'prefix.raed')` does not compile.
import { rules as access } from './modules/access/rules.js';
import { rules as applications } from './modules/applications/rules.js';
import { rules as audit } from './modules/audit/rules.js';
import { rules as calendar } from './modules/calendar/rules.js';
import { rules as divisions } from './modules/divisions/rules.js';
import { rules as dns } from './modules/dns/rules.js';
import { rules as findings } from './modules/findings/rules.js';
import { rules as ipam } from './modules/ipam/rules.js';
import { rules as registers } from './modules/registers/rules.js';
import { rules as sites } from './modules/sites/rules.js';
import { rules as telemetry } from './modules/telemetry/rules.js';
import { rules as verification } from './modules/verification/rules.js';
import { rules as webhooks } from './modules/webhooks/rules.js';
import type { Rule } from './modules/access/rule.js';

/** Each module's table by name: the index test checks that no action is declared twice. */
export const ruleTables = { access, applications, audit, calendar, divisions, dns, findings, ipam, registers, sites, telemetry, verification, webhooks } as const;

export const rules = { ...access, ...applications, ...audit, ...calendar, ...divisions, ...dns, ...findings, ...ipam, ...registers, ...sites, ...telemetry, ...verification, ...webhooks } as const;

export type Action = keyof typeof rules;

export function ruleOf(action: Action): Rule {
  return rules[action];
}
