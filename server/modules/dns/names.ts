/**
 * Domain names as the registry stores them: ASCII (IDNA A-labels), lower case, without the
 * root's trailing dot. Every name typed by a person passes through here, so the rules that
 * BIND would enforce when it loads a zone (label and name lengths, `check-names` for host
 * names) are enforced when the name is registered, not when a DNS server refuses the file.
 */
import { domainToASCII, domainToUnicode } from 'node:url';
import { invalid } from '../../http/problem.js';

export const maxLabelOctets = 63;
/** 255 octets on the wire = 253 characters of text without the trailing dot. */
export const maxNameOctets = 253;

/**
 * What a label may contain. `host` is LDH (letters, digits, hyphen, neither first nor last),
 * what `check-names` demands of the owners of A, AAAA and MX records and of every name server,
 * mail exchanger and service target; `service` also allows one leading underscore (`_sip`,
 * `_tcp`, `_dmarc`), which TXT, SRV and CNAME owners use.
 */
export type LabelRule = 'host' | 'service';

const ldh = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const serviceLabel = /^_?[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** A refusal of a name, as 400 validation_failed naming the field. */
export class NameError extends Error {
  override readonly name = 'NameError';
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

/** One label to its A-label form, or a NameError saying what is wrong with it. */
export function asciiLabel(label: string, rule: LabelRule = 'host'): string {
  if (label === '') throw new NameError('it has an empty label (two dots in a row, or a dot at the start)');
  if (/\s/.test(label)) throw new NameError(`label ${quote(label)} contains a space; DNS labels are letters, digits and hyphens`);
  let ascii: string;
  if (/^[\x21-\x7e]*$/.test(label)) {
    ascii = label.toLowerCase();
    if (ascii.startsWith('xn--') && domainToASCII(domainToUnicode(ascii)) !== ascii) {
      throw new NameError(`label ${quote(label)} starts with xn-- but is not valid punycode`);
    }
  } else {
    // IDNA (UTS #46) as the WHATWG URL standard does it: 南宁 → xn--6krw3q.
    ascii = domainToASCII(label);
    if (ascii === '' || ascii.includes('.')) throw new NameError(`label ${quote(label)} cannot be converted to an IDNA A-label`);
  }
  if (Buffer.byteLength(ascii) > maxLabelOctets) {
    throw new NameError(
      `label ${quote(label)} is ${Buffer.byteLength(ascii)} octets${ascii !== label ? ` as ${ascii}` : ''}; a DNS label holds at most ${maxLabelOctets}`,
    );
  }
  if (ascii.includes('_') && rule === 'host') {
    throw new NameError(`label ${quote(label)} contains an underscore, which host names may not (BIND's check-names refuses it); use a hyphen`);
  }
  const pattern = rule === 'host' ? ldh : serviceLabel;
  if (!pattern.test(ascii)) {
    throw new NameError(
      rule === 'host'
        ? `label ${quote(label)} is not a host name label: letters, digits and hyphens only, not starting or ending with a hyphen`
        : `label ${quote(label)} is not a valid label: letters, digits and hyphens, optionally one leading underscore (as in _sip), not ending with a hyphen`,
    );
  }
  return ascii;
}

/** Checks the whole-name length of an ASCII name without the trailing dot. */
export function checkNameLength(ascii: string): void {
  const octets = Buffer.byteLength(ascii);
  if (octets > maxNameOctets) throw new NameError(`the name is ${octets} octets long; a DNS name holds at most ${maxNameOctets} (without the final dot)`);
}

/**
 * A fully qualified name as typed (`Gx.Example.`, `南宁.gx.example`), every label under `rule`
 * except those that `ruleOf` overrides. A trailing dot is accepted and dropped.
 */
export function asciiName(text: string, rule: LabelRule | ((index: number, count: number) => LabelRule) = 'host'): string {
  const trimmed = text.endsWith('.') ? text.slice(0, -1) : text;
  if (trimmed === '') throw new NameError('the name is empty');
  const labels = trimmed.split('.');
  const ascii = labels.map((label, i) => asciiLabel(label, typeof rule === 'function' ? rule(i, labels.length) : rule)).join('.');
  checkNameLength(ascii);
  return ascii;
}

/** The name shown to people: U-labels where the A-labels are IDNA. */
export function unicodeName(ascii: string): string {
  if (!ascii.split('.').some((l) => l.startsWith('xn--'))) return ascii;
  return domainToUnicode(ascii) || ascii;
}

/** `name` is `zone` or lies below it. */
export function isWithin(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/**
 * A name inside a zone, read the way a zone file reads it: `@` is the apex; a name ending
 * in a dot is absolute; a name that already ends with the zone's name is taken as absolute
 * too (clients send both forms); anything else is relative to the zone.
 */
export function nameInZone(text: string, zone: string, rule: LabelRule | ((index: number, count: number) => LabelRule) = 'host'): string {
  if (text === '@' || text === '') return zone;
  const absolute = text.endsWith('.');
  const typed = absolute ? text.slice(0, -1) : text;
  // Lower-case and IDNA first, so that `WWW.GX.EXAMPLE` and `www.南宁.gx.example` compare.
  const ascii = asciiName(typed, rule);
  if (absolute || isWithin(ascii, zone)) return ascii;
  const full = `${ascii}.${zone}`;
  checkNameLength(full);
  return full;
}

/** Wraps NameError as the API's 400 with the field named. */
export function readName<T>(field: string, what: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof NameError) throw invalid(`${field}: ${what} is not a valid domain name: ${err.message}.`, { field });
    throw err;
  }
}
