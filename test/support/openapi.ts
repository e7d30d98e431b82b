/** Every (method, path template, operation) an OpenAPI document lists: generated tests cover what /openapi.json describes. */
export function operations<Op>(doc: { paths: Record<string, Record<string, Op>> }): { method: string; path: string; op: Op }[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })));
}
