/**
 * Which documents an emergency plan may be, checked by their first bytes as well as by the
 * declared Content-Type: a file whose bytes contradict its type is refused, so what is served
 * back is what the type says. Hand-written (three signatures) rather than a dependency: the
 * `file-type` package is ESM-only with a stream API and knows hundreds of formats we refuse.
 *   PDF   "%PDF-" (ISO 32000-1 §7.5.2)
 *   DOCX, ODT: a ZIP local file header "PK\x03\x04" (ECMA-376 Part 2, OpenDocument 1.2 Part 3)
 */
export const planDocumentTypes = {
  'application/pdf': { extension: 'pdf', magic: [0x25, 0x50, 0x44, 0x46, 0x2d] },
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': { extension: 'docx', magic: [0x50, 0x4b, 0x03, 0x04] },
  'application/vnd.oasis.opendocument.text': { extension: 'odt', magic: [0x50, 0x4b, 0x03, 0x04] },
} as const;
export type PlanDocumentType = keyof typeof planDocumentTypes;

export function isPlanDocumentType(type: string): type is PlanDocumentType {
  return Object.hasOwn(planDocumentTypes, type);
}

/** Whether the bytes begin as the type's format does. */
export function bytesMatchType(bytes: Uint8Array, type: PlanDocumentType): boolean {
  const { magic } = planDocumentTypes[type];
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}
