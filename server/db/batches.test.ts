import { describe, expect, it } from 'vitest';
import { StatementBatches, type StatementConnection } from './batches.js';

/** A statement that answers when told to, recording what each call carried. */
function fakeStatements() {
  const calls: { items: number[]; on: StatementConnection; settle: (result: number[] | Error) => void }[] = [];
  const send = (items: number[], on: StatementConnection) =>
    new Promise<number[]>((resolve, reject) => {
      calls.push({ items: [...items], on, settle: (r) => (r instanceof Error ? reject(r) : resolve(r)) });
    });
  return { calls, send };
}

const serverError = (message: string) => Object.assign(new Error(message), { severity: 'ERROR', code: '23P01' });
const tick = () => new Promise((r) => setTimeout(r, 0));

/**
 * A lone statement (item 0) sent and answered, with `items` arriving while it ran: they are now
 * the next statement, calls[1]. `outcomes`: theirs, as values, once answered.
 */
async function behindALoneStatement(batches: StatementBatches<number, number>, calls: { settle: (result: number[] | Error) => void }[], items: number[]) {
  const lone = batches.run(0);
  const results = items.map((n) => batches.run(n).then((r) => ({ r }), (e: Error) => ({ e: e.message })));
  await tick();
  calls[0].settle([0]);
  await lone;
  await tick();
  return { outcomes: Promise.all(results) };
}

describe('StatementBatches', () => {
  it('sends a lone item at once, alone; items arriving while statements run share the next one, each with its own result', async () => {
    const { calls, send } = fakeStatements();
    const batches = new StatementBatches(send, { inFlight: 1, largest: 64 });
    const first = batches.run(1);
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1]]);
    const later = [batches.run(2), batches.run(3), batches.run(4)];
    await tick();
    expect(calls).toHaveLength(1);
    calls[0].settle([10]);
    expect(await first).toBe(10);
    await tick();
    expect(calls[1].items).toEqual([2, 3, 4]);
    calls[1].settle([20, 30, 40]);
    expect(await Promise.all(later)).toEqual([20, 30, 40]);
    expect(batches.stats).toMatchObject({ statements: 2, items: 4 });
    expect(batches.stats.busyMs).toBeGreaterThanOrEqual(0);
  });

  it('counts the time during which at least one statement runs, once however many run', async () => {
    const { calls, send } = fakeStatements();
    const batches = new StatementBatches(send, { inFlight: 2, largest: 64 });
    const both = [batches.run(1), batches.run(2)];
    await new Promise((r) => setTimeout(r, 40));
    calls[0].settle([1]);
    calls[1].settle([2]);
    await Promise.all(both);
    await tick();
    // Two statements for ~40 ms side by side: ~40 ms busy, not ~80.
    expect(batches.stats.busyMs).toBeGreaterThanOrEqual(35);
    expect(batches.stats.busyMs).toBeLessThan(75);
    await new Promise((r) => setTimeout(r, 30));
    // Idle time does not count.
    const idle = batches.stats.busyMs;
    await tick();
    expect(batches.stats.busyMs).toBe(idle);
  });

  it('keeps inFlight statements running, cuts batches at largest and sorts each batch stably', async () => {
    const { calls, send } = fakeStatements();
    const batches = new StatementBatches(send, { inFlight: 2, largest: 3, order: (a: number, b: number) => Math.floor(a / 10) - Math.floor(b / 10) });
    const results = [31, 12, 11, 35, 20, 13, 22].map((n) => batches.run(n));
    await tick();
    // The first two arrivals each got a statement of their own; the rest wait.
    expect(calls.map((c) => c.items)).toEqual([[31], [12]]);
    calls[0].settle([31]);
    await tick();
    expect(calls[2].items).toEqual([11, 20, 35]);
    calls[1].settle([12]);
    await tick();
    expect(calls[3].items).toEqual([13, 22]);
    calls[2].settle([11, 20, 35]);
    calls[3].settle([13, 22]);
    expect(await Promise.all(results)).toEqual([31, 12, 11, 35, 20, 13, 22]);
  });

  it('after an ERROR (the statement rolled back) sends each item again alone: only the failing one hears it', async () => {
    const { calls, send } = fakeStatements();
    const batches = new StatementBatches(send, { inFlight: 1, largest: 64 });
    const { outcomes } = await behindALoneStatement(batches, calls, [1, 2, 3]);
    expect(calls[1].items).toEqual([1, 2, 3]);
    calls[1].settle(serverError('overlap'));
    await tick();
    expect(calls.slice(2).map((c) => c.items)).toEqual([[1], [2], [3]]);
    calls[2].settle([1]);
    calls[3].settle(serverError('overlap of 2'));
    calls[4].settle([3]);
    expect(await outcomes).toEqual([{ r: 1 }, { e: 'overlap of 2' }, { r: 3 }]);
  });

  it('after a lost connection (outcome unknown) sends nothing again: every item of the batch hears the failure', async () => {
    const { calls, send } = fakeStatements();
    const batches = new StatementBatches(send, { inFlight: 1, largest: 64 });
    const { outcomes } = await behindALoneStatement(batches, calls, [1, 2]);
    calls[1].settle(Object.assign(new Error('write CONNECTION_CLOSED'), { code: 'CONNECTION_CLOSED' }));
    expect(await outcomes).toEqual([{ e: 'write CONNECTION_CLOSED' }, { e: 'write CONNECTION_CLOSED' }]);
    expect(calls).toHaveLength(2);
    // And the batches go on afterwards.
    const after = batches.run(5);
    await tick();
    calls[2].settle([50]);
    expect(await after).toBe(50);
  });

  it('a statement that stalls lets the requests behind it go in statements of their own, up to stalledInFlight', async () => {
    const { calls, send } = fakeStatements();
    const batches = new StatementBatches(send, { inFlight: 1, largest: 64, stalledAfterMs: 20, stalledInFlight: 1 });
    const blocked = batches.run(1);
    const behind = [batches.run(2), batches.run(3)];
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1]]);
    // Not yet stalled: the others wait for it, as for any statement in flight.
    await new Promise((r) => setTimeout(r, 5));
    expect(calls).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 40));
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3]]);
    // The second stalls too: stalledInFlight (1) is used up, so the next request waits.
    const last = batches.run(4);
    await new Promise((r) => setTimeout(r, 40));
    expect(calls).toHaveLength(2);
    calls[1].settle([20, 30]);
    expect(await Promise.all(behind)).toEqual([20, 30]);
    await tick();
    expect(calls[2].items).toEqual([4]);
    calls[2].settle([40]);
    calls[0].settle([10]);
    expect(await Promise.all([blocked, last])).toEqual([10, 40]);
    // Both stalls have ended: one statement in flight again.
    const after = [batches.run(5), batches.run(6)];
    await tick();
    expect(calls.slice(3).map((c) => c.items)).toEqual([[5]]);
    calls[3].settle([50]);
    await tick();
    expect(calls[4].items).toEqual([6]);
    calls[4].settle([60]);
    expect(await Promise.all(after)).toEqual([50, 60]);
    // Not pipelined: every statement on the shared connections.
    expect(new Set(calls.map((c) => c.on))).toEqual(new Set(['shared']));
  });

  it('pipelined: inFlight statements one behind the other on the own connection; behind a stalled one, the next go on the shared connections', async () => {
    const { calls, send } = fakeStatements();
    const batches = new StatementBatches(send, { inFlight: 2, pipelined: true, largest: 64, stalledAfterMs: 20, stalledInFlight: 1 });
    const first = [batches.run(1), batches.run(2)];
    const third = batches.run(3);
    await tick();
    // The second is sent while the first runs, on the same connection; the third waits.
    expect(calls.map((c) => [c.items, c.on])).toEqual([[[1], 'own'], [[2], 'own']]);
    calls[0].settle([10]);
    expect(await first[0]).toBe(10);
    await tick();
    expect(calls.map((c) => [c.items, c.on])).toEqual([[[1], 'own'], [[2], 'own'], [[3], 'own']]);
    // 2 stalls, and 3 waits behind it on the own connection: 4 goes on the shared ones.
    const fourth = batches.run(4);
    await new Promise((r) => setTimeout(r, 5));
    expect(calls).toHaveLength(3);
    await new Promise((r) => setTimeout(r, 40));
    expect(calls.slice(3).map((c) => [c.items, c.on])).toEqual([[[4], 'shared']]);
    // stalledInFlight (1) is used up: 5 waits, and it too goes on the shared connections while 2 and 3 are stalled.
    const fifth = batches.run(5);
    await tick();
    expect(calls).toHaveLength(4);
    calls[3].settle([40]);
    expect(await fourth).toBe(40);
    await tick();
    expect(calls.slice(4).map((c) => [c.items, c.on])).toEqual([[[5], 'shared']]);
    calls[4].settle([50]);
    calls[1].settle([20]);
    calls[2].settle([30]);
    expect(await Promise.all([first[1], third, fifth])).toEqual([20, 30, 50]);
    // The stalls over, statements go on the own connection again, two at a time.
    const after = [batches.run(6), batches.run(7), batches.run(8)];
    await tick();
    expect(calls.slice(5).map((c) => [c.items, c.on])).toEqual([[[6], 'own'], [[7], 'own']]);
    calls[5].settle([60]);
    calls[6].settle([70]);
    await tick();
    await tick();
    expect(calls.slice(7).map((c) => [c.items, c.on])).toEqual([[[8], 'own']]);
    calls[7].settle([80]);
    expect(await Promise.all(after)).toEqual([60, 70, 80]);
  });

  it('pipelined: after an ERROR each item is sent again alone on the connection its statement used', async () => {
    const { calls, send } = fakeStatements();
    const batches = new StatementBatches(send, { inFlight: 1, pipelined: true, largest: 64 });
    const { outcomes } = await behindALoneStatement(batches, calls, [1, 2]);
    calls[1].settle(serverError('overlap'));
    await tick();
    expect(calls.slice(2).map((c) => [c.items, c.on])).toEqual([[[1], 'own'], [[2], 'own']]);
    calls[2].settle(serverError('overlap of 1'));
    calls[3].settle([2]);
    expect(await outcomes).toEqual([{ e: 'overlap of 1' }, { r: 2 }]);
  });
});
