import { describe, expect, it } from 'vitest';
import { keysetPage } from './paging.js';

describe('keysetPage', () => {
  const rows = [1, 2, 3, 4].map((id) => ({ id }));

  it('answers the page and the last row’s key when the query found one row more', () => {
    expect(keysetPage(rows, 3, (r) => String(r.id), (page) => page.map((r) => r.id * 10))).toEqual({ items: [10, 20, 30], nextCursor: '3' });
  });

  it('has no next cursor on the last page', () => {
    expect(keysetPage(rows.slice(0, 3), 3, (r) => String(r.id), (page) => page.map((r) => r.id))).toEqual({ items: [1, 2, 3], nextCursor: null });
    expect(keysetPage([], 3, (r: { id: number }) => String(r.id), (page) => page)).toEqual({ items: [], nextCursor: null });
  });

  it('waits for an async view', async () => {
    await expect(keysetPage(rows, 2, (r) => `k${r.id}`, async (page) => page.map((r) => r.id))).resolves.toEqual({ items: [1, 2], nextCursor: 'k2' });
  });
});
