// The schema index: every module's tables, for drizzle's typed queries.
export * from '../modules/divisions/schema.js';
export * from '../modules/access/schema.js';
export * from '../modules/audit/schema.js';
export * from '../modules/ipam/schema.js';
export * from '../modules/sites/schema.js';
export * from '../modules/webhooks/schema.js';
export * from '../modules/telemetry/schema.js';
export * from '../modules/findings/schema.js';
export * from '../modules/dns/schema.js';
export * from '../modules/verification/schema.js';
export * from '../modules/calendar/schema.js';
export * from '../modules/applications/schema.js';
export * from '../modules/registers/schema.js';
