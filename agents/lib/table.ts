/** Display width: CJK and other wide characters take two columns (hostnames and details may be Chinese). */
function width(text: string): number {
  let w = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    w += (code >= 0x1100 && code <= 0x115f) || (code >= 0x2e80 && code <= 0xa4cf) || (code >= 0xac00 && code <= 0xd7a3) || (code >= 0xf900 && code <= 0xfaff) || (code >= 0xfe30 && code <= 0xfe4f) || (code >= 0xff00 && code <= 0xff60) || (code >= 0xffe0 && code <= 0xffe6) ? 2 : 1;
  }
  return w;
}

/** The --once table: a header, a rule, one line per row, columns padded to their widest cell. */
export function formatTable(columns: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = rows.map((row) => columns.map((_, i) => (row[i] === null || row[i] === undefined ? '' : String(row[i]))));
  const widths = columns.map((c, i) => Math.max(width(c), ...cells.map((row) => width(row[i]))));
  const line = (row: string[]) =>
    row
      .map((cell, i) => cell + ' '.repeat(widths[i] - width(cell)))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') + '\n';
}
