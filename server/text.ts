/**
 * What the registry accepts as text, in every string of a request (body fields at any depth, query
 * strings, path parameters) and in imported cells: Unicode text without control characters.
 *
 * - NUL cannot be stored at all (PostgreSQL text refuses it, SQLSTATE 22021; jsonb refuses the
 *   \u0000 escape, 22P05), and a lone UTF-16 surrogate (U+D800–U+DFFF unpaired, which JSON can
 *   carry as "\ud800") is no character: the driver would store U+FFFD in its place, and jsonb
 *   refuses it (22P05). Both used to end as 500.
 * - The other C0 controls (U+0001–U+001F) and DEL (U+007F) are refused too: no registry text
 *   needs them, and they break what is made from it (zone files, CSV and XLSX exports, logs).
 * - TAB, LF and CR are text in the few fields written as prose or files, listed by field name in
 *   `multilineFields`: descriptions, a reviewer's opinion, a resolution comment, an SSH private
 *   key (PEM is lines), a device's configuration text (a device check), and a plan's document. Everywhere else —
 *   names, codes, addresses, DNS record values (a TXT value with a line break would end the
 *   record in the zone file) — they are refused as well.
 * A new field that needs line breaks is added to that list; one that is missing from it refuses
 * them, which is the safe way round.
 */
export const multilineFields: ReadonlySet<string> = new Set(['description', 'opinion', 'comment', 'privateKey', 'config', 'document', 'findings']);

// Without the u flag a regular expression sees UTF-16 code units, so it can find unpaired halves.
const loneSurrogate = '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';
const singleLine = new RegExp(`[\\u0000-\\u001f\\u007f]|${loneSurrogate}`);
const multiLine = new RegExp(`[\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]|${loneSurrogate}`);

const controlNames: Record<number, string> = { 0: 'NUL', 9: 'TAB', 10: 'LF', 13: 'CR', 27: 'ESC', 127: 'DEL' };

/** Why `text` is refused (naming the character and where), or undefined when it is acceptable. */
export function textFault(text: string, multiline = false): string | undefined {
  const found = (multiline ? multiLine : singleLine).exec(text);
  if (!found) return undefined;
  const code = found[0].charCodeAt(0);
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const what = code >= 0xd800 ? `a lone surrogate (${hex})` : `the control character ${hex}${controlNames[code] ? ` (${controlNames[code]})` : ''}`;
  const allowed = multiline ? 'only TAB, LF and CR may appear among control characters here' : 'this field takes a single line of text';
  return `contains ${what} at position ${found.index + 1}; ${allowed}`;
}

/**
 * The first string in a validated value (objects, arrays, nested at any depth; keys included)
 * that textFault refuses, with its field path written as validation errors write it (a.0.b).
 */
export function findTextFault(value: unknown, path: (string | number)[] = []): { field: string; message: string } | undefined {
  if (typeof value === 'string') {
    const name = [...path].reverse().find((p): p is string => typeof p === 'string');
    const fault = textFault(value, name !== undefined && multilineFields.has(name));
    return fault ? { field: path.join('.') || '(value)', message: fault } : undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findTextFault(value[i], [...path, i]);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const [key, item] of Object.entries(value)) {
      const keyFault = textFault(key);
      if (keyFault) return { field: [...path, key].join('.'), message: `the field name ${keyFault}` };
      const found = findTextFault(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}
