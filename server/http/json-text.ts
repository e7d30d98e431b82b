import type { Context, TypedResponse } from 'hono';

/**
 * A response body already serialized (issue 14: listing pages are built as JSON text, not as
 * objects): the route sends its UTF-8 bytes as they are instead of parsing and re-serializing.
 * `T` is the shape the text has — exactly what the route's zod response schema describes; the
 * tests compare such bodies with the views the other endpoints build.
 */
export class JsonText<T> {
  declare readonly shape?: T;
  /** The body as sent: UTF-8. */
  readonly bytes: Uint8Array<ArrayBuffer>;
  constructor(body: string | Uint8Array<ArrayBuffer>) {
    this.bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  }

  get text(): string {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength).toString('utf8');
  }

  /** The value, for callers inside the appliance that need objects (the web pages). */
  parse(): T {
    return JSON.parse(this.text) as T;
  }
}

/**
 * Writes a JSON body as UTF-8 piece by piece (an item at a time) into one growing buffer.
 * Measured on a 1,000-item listing page (~360 KB, a holder's name in Chinese; 2-core machine
 * under load): concatenating the items into one string and sending it cost ~5–7 ms — V8
 * flattens the deep rope, and a two-byte string body costs again in the Response (undici's
 * toWellFormed scan, then encoding) — where writing each item as it comes costs ~0.7 ms.
 */
export class JsonBytes {
  private buf: Buffer<ArrayBuffer>;
  private length = 0;
  /** Pieces not yet written: a Buffer.write per item cost more than the encoding itself. */
  private pending = '';

  /** `sizeHint`: the bytes the body will likely take (a buffer that must grow is copied). */
  constructor(sizeHint = 16 * 1024) {
    this.buf = Buffer.allocUnsafe(sizeHint);
  }

  push(piece: string): void {
    this.pending += piece;
    // ~16 items of a listing page: a short rope to flatten, and a two-byte (Chinese) piece
    // widens only its own chunk, not the whole body.
    if (this.pending.length >= 4096) this.flush();
  }

  private flush(): void {
    const piece = this.pending;
    this.pending = '';
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    const most = piece.length * 3;
    if (this.length + most > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + most));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
    }
    this.length += this.buf.write(piece, this.length, 'utf8');
  }

  finish(): Uint8Array<ArrayBuffer> {
    if (this.pending) this.flush();
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.length);
  }
}

/**
 * Sends a JsonText with the headers c.json() would have set. Typed as c.json()'s answer, so
 * the OpenAPI route keeps checking the handler against its response schema. The body goes as
 * bytes: a string body would be scanned and encoded again by the Response.
 */
export function sendJsonText<T>(c: Context, body: JsonText<T>): Response & TypedResponse<T, 200, 'json'> {
  return c.body(body.bytes, 200, { 'content-type': 'application/json' }) as unknown as Response & TypedResponse<T, 200, 'json'>;
}
