import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient, Refused, ServerUnavailable } from './client.js';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A server answering each request with the next of `answers` (status, body). */
async function scripted(answers: [number, unknown][]): Promise<{ url: string; requests: { method: string; url: string; auth: string; body: string }[] }> {
  const requests: { method: string; url: string; auth: string; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, auth: req.headers.authorization ?? '', body });
      const [status, answer] = answers[Math.min(requests.length - 1, answers.length - 1)];
      res.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

describe('agent API client', () => {
  it('retries 5xx with backoff and returns the answer that follows', async () => {
    const s = await scripted([
      [503, { code: 'unavailable' }],
      [502, 'bad gateway'],
      [200, { received: 1, accepted: 1, duplicates: 0 }],
    ]);
    const client = new ApiClient({ server: `${s.url}/`, token: 'tok-1', retries: 3, backoffMs: 5 });
    expect(await client.post('/api/v1/readings', { readings: [] })).toEqual({ received: 1, accepted: 1, duplicates: 0 });
    expect(s.requests).toHaveLength(3);
    expect(s.requests[0]).toMatchObject({ method: 'POST', url: '/api/v1/readings', auth: 'Bearer tok-1', body: '{"readings":[]}' });
  });

  it('gives up after the retries with ServerUnavailable, and a 4xx is Refused at once', async () => {
    const down = await scripted([[500, { code: 'internal' }]]);
    await expect(new ApiClient({ server: down.url, token: 't', retries: 2, backoffMs: 1 }).post('/x', {})).rejects.toBeInstanceOf(ServerUnavailable);
    expect(down.requests).toHaveLength(3);

    const refusing = await scripted([[403, { code: 'forbidden', detail: 'not your device' }]]);
    const err = await new ApiClient({ server: refusing.url, token: 't', retries: 3, backoffMs: 1 }).post('/x', {}).then(() => null, (e: unknown) => e as Refused);
    expect(err).toBeInstanceOf(Refused);
    expect(err!.status).toBe(403);
    expect(err!.answer).toMatchObject({ detail: 'not your device' });
    expect(refusing.requests).toHaveLength(1);
  });

  it('a server that is not listening is unavailable, not a crash', async () => {
    const s = await scripted([[200, {}]]);
    const url = s.url;
    await new Promise((r) => servers.pop()!.close(r));
    await expect(new ApiClient({ server: url, token: 't', retries: 1, backoffMs: 1 }).targets('snmp')).rejects.toThrow(/cannot reach/);
  });
});
