import type { TestApp } from './harness.js';

/** Every (method, path template, operation) an OpenAPI document lists: generated tests cover what /openapi.json describes. */
export function operations<Op>(doc: { paths: Record<string, Record<string, Op>> }): { method: string; path: string; op: Op }[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })));
}

/** The app's own OpenAPI document (public, no token): the list of endpoints the generated suites walk. */
export async function openApiDocument<Doc>(t: TestApp): Promise<Doc> {
  return (await t.call<Doc>('GET', '/openapi.json', { token: null })).body;
}
