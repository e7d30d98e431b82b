import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Spool, type SpoolEntry } from './spool.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'waiwang-spool-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const item = (n: number, kind = 'readings') => ({ kind, path: kind === 'readings' ? '/api/v1/readings' : '/api/v1/device-checks', body: { n } });

describe('spool', () => {
  it('replays in order, across a restart, and keeps what the server did not take', async () => {
    const dir = tempDir();
    const spool = await Spool.open(dir);
    await spool.append([item(1), item(2, 'device-check')]);
    await spool.append([item(3)]);
    expect(spool.depth).toBe(3);

    // The agent restarts: everything is still there, in order.
    const again = await Spool.open(dir);
    expect(again.depth).toBe(3);
    const seen: number[] = [];
    // The server takes two, then goes away.
    const first = await again.replay(async (e: SpoolEntry) => {
      if (seen.length === 2) return 'unavailable';
      seen.push((e.body as { n: number }).n);
      return 'sent';
    });
    expect(first).toEqual({ sent: 2, rejected: 0, remaining: 1 });
    expect(seen).toEqual([1, 2]);

    const third = await Spool.open(dir);
    expect((await third.list()).map((e) => (e.body as { n: number }).n)).toEqual([3]);
    await third.append([item(4)]);
    const rest: number[] = [];
    expect(await third.replay(async (e) => (rest.push((e.body as { n: number }).n), 'sent'))).toEqual({ sent: 2, rejected: 0, remaining: 0 });
    expect(rest).toEqual([3, 4]);
    expect(fs.existsSync(path.join(dir, 'spool.jsonl'))).toBe(false);
    expect((await Spool.open(dir)).depth).toBe(0);
  });

  it('drops the oldest entries first beyond its bound, and counts them across restarts', async () => {
    const dir = tempDir();
    const line = Buffer.byteLength(`${JSON.stringify({ seq: 1, spooledAt: new Date().toISOString(), ...item(1) })}\n`);
    const spool = await Spool.open(dir, { maxBytes: line * 3 + 5 });
    for (let n = 1; n <= 5; n++) await spool.append([item(n)]);
    expect(spool.depth).toBe(3);
    expect(spool.dropped).toBe(2);
    expect((await spool.list()).map((e) => (e.body as { n: number }).n)).toEqual([3, 4, 5]);
    const reopened = await Spool.open(dir, { maxBytes: line * 3 + 5 });
    expect(reopened.dropped).toBe(2);
    expect(reopened.depth).toBe(3);
    // One append larger than the whole bound keeps its newest entries.
    await reopened.append([item(6), item(7), item(8), item(9)]);
    expect((await reopened.list()).map((e) => (e.body as { n: number }).n)).toEqual([7, 8, 9]);
    expect(reopened.dropped).toBe(6);
  });

  it('cuts off a line torn by a crash mid-append instead of gluing the next entry to it', async () => {
    const dir = tempDir();
    const spool = await Spool.open(dir);
    await spool.append([item(1)]);
    fs.appendFileSync(path.join(dir, 'spool.jsonl'), '{"seq":2,"kind":"readi');
    const reopened = await Spool.open(dir);
    expect(reopened.depth).toBe(1);
    await reopened.append([item(3)]);
    expect((await reopened.list()).map((e) => (e.body as { n: number }).n)).toEqual([1, 3]);
  });

  it('sets a refused entry aside in rejected/ with the server’s answer and goes on', async () => {
    const dir = tempDir();
    const spool = await Spool.open(dir);
    await spool.append([item(1), item(2), item(3)]);
    const sent: number[] = [];
    const outcome = await spool.replay(async (e) => {
      const n = (e.body as { n: number }).n;
      if (n === 2) {
        spool.reject(e, 400, { code: 'validation_failed', detail: 'device 2 has no interface GE0/0/9' });
        return 'rejected';
      }
      sent.push(n);
      return 'sent';
    });
    expect(outcome).toEqual({ sent: 2, rejected: 1, remaining: 0 });
    expect(sent).toEqual([1, 3]);
    const files = fs.readdirSync(path.join(dir, 'rejected'));
    expect(files).toHaveLength(1);
    const kept = JSON.parse(fs.readFileSync(path.join(dir, 'rejected', files[0]), 'utf8'));
    expect(kept).toMatchObject({ status: 400, answer: { code: 'validation_failed' }, entry: { body: { n: 2 } } });
    expect((await Spool.open(dir)).rejected).toBe(1);
  });
});
