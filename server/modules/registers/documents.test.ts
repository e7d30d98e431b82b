import { describe, expect, it } from 'vitest';
import { bytesMatchType, isPlanDocumentType } from './documents.js';

describe('emergency plan documents', () => {
  it('knows PDF, DOCX and ODT and nothing else', () => {
    expect(isPlanDocumentType('application/pdf')).toBe(true);
    expect(isPlanDocumentType('text/html')).toBe(false);
    expect(isPlanDocumentType('constructor')).toBe(false);
  });
  it('checks the first bytes against the declared type', () => {
    expect(bytesMatchType(Buffer.from('%PDF-1.7\n'), 'application/pdf')).toBe(true);
    expect(bytesMatchType(Buffer.from('<html>'), 'application/pdf')).toBe(false);
    expect(bytesMatchType(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0]), 'application/vnd.oasis.opendocument.text')).toBe(true);
    expect(bytesMatchType(Buffer.from('%PD'), 'application/pdf')).toBe(false);
  });
});
