/**
 * A refusal a client can act on: rendered as application/problem+json
 * {type, title, status, detail, code} plus any extra members (e.g. `existing` for overlap).
 */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'Problem';
  }

  toJSON() {
    return {
      type: `https://waiwang.invalid/problems/${this.code}`,
      title: titles[this.status] ?? 'Error',
      status: this.status,
      detail: this.detail,
      code: this.code,
      ...this.extra,
    };
  }
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const notFound = (what: string) => new Problem(404, 'not_found', `${what} does not exist`);

export const forbidden = (detail: string) => new Problem(403, 'forbidden', detail);
export const conflict = (detail: string, extra?: Record<string, unknown>) => new Problem(409, 'conflict', detail, extra);
export const invalid = (detail: string, extra?: Record<string, unknown>) =>
  new Problem(400, 'validation_failed', detail, extra);
export const ruleViolation = (code: 'delegation_rule' | 'outside_parent' | 'rule_violation', detail: string, extra?: Record<string, unknown>) =>
  new Problem(422, code, detail, extra);
