import { describe, expect, it } from 'vitest';
import { JsonBytes, JsonText } from './json-text.js';

describe('JsonBytes', () => {
  it('writes every piece, in order, as UTF-8, across chunk flushes and buffer growth', () => {
    // Listing-page-like items: ASCII, a holder's name in Chinese (two-byte strings), an emoji
    // (a surrogate pair), and sizes that cross the pending chunk's bound at varied places.
    const pieces: string[] = ['{"items":['];
    for (let i = 0; i < 700; i++) {
      const name = i % 3 === 0 ? '南宁市' : i % 7 === 0 ? 'net 🌐 ok' : 'x'.repeat(i % 50);
      pieces.push(`${i ? ',' : ''}{"id":"${i}","holder":${JSON.stringify(name)},"pad":"${'p'.repeat((i * 37) % 900)}"}`);
    }
    pieces.push('],"nextCursor":null}');
    // A hint far too small: the buffer must grow several times.
    const body = new JsonBytes(64);
    for (const piece of pieces) body.push(piece);
    const bytes = body.finish();
    expect(Buffer.from(bytes).equals(Buffer.from(pieces.join(''), 'utf8'))).toBe(true);
    expect(new JsonText(bytes).parse()).toEqual(JSON.parse(pieces.join('')));
  });

  it('gives the last pieces even when they never reach a chunk', () => {
    const body = new JsonBytes();
    body.push('{"a":');
    body.push('"桂"}');
    expect(Buffer.from(body.finish()).toString('utf8')).toBe('{"a":"桂"}');
  });
});
