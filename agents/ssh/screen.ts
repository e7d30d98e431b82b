/**
 * What a VT100 would show of a device's byte stream, line by line. Network devices erase their
 * pager prompt by moving the cursor: Huawei and H3C print `  ---- More ----`, then on a key
 * `ESC[16D`, blanks over it, `ESC[16D` again, and the next line; Cisco prints ` --More-- ` and
 * erases it with backspaces. Stripping the escape codes alone would leave the pager text and
 * blanks glued to the next line, so this keeps a cursor and overwrites, as the terminal does.
 * Hand-written: a headless terminal library (xterm-headless) is far larger than the handful of
 * controls devices send (CR, LF, BS, CSI n D/C/K, and codes to ignore).
 */
export class Screen {
  /** finished lines, trailing blanks trimmed */
  readonly lines: string[] = [];
  private current: string[] = [];
  private col = 0;
  /** an escape sequence cut by a chunk boundary */
  private pending = '';

  feed(chunk: string): void {
    const text = this.pending + chunk;
    this.pending = '';
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch === '\x1b') {
        const rest = text.slice(i);
        const csi = /^\x1b\[([0-9;?]*)([@-~])/.exec(rest);
        if (csi) {
          this.control(csi[1], csi[2]);
          i += csi[0].length - 1;
          continue;
        }
        const osc = /^\x1b\][^\x07]*\x07/.exec(rest);
        if (osc) {
          i += osc[0].length - 1;
          continue;
        }
        if (/^\x1b(\[[0-9;?]*|\][^\x07]*)?$/.test(rest)) {
          this.pending = rest; // incomplete: wait for the next chunk
          return;
        }
        i += 1; // a two-character escape (ESC =, ESC >, ESC 7 …): ignored
        continue;
      }
      if (ch === '\n') {
        this.lines.push(this.current.join('').replace(/\s+$/, ''));
        this.current = [];
        this.col = 0;
      } else if (ch === '\r') {
        this.col = 0;
      } else if (ch === '\b') {
        this.col = Math.max(0, this.col - 1);
      } else if (ch === '\x07' || ch === '\x00') {
        // bell, padding
      } else {
        while (this.current.length < this.col) this.current.push(' ');
        this.current[this.col] = ch;
        this.col++;
      }
    }
  }

  private control(params: string, final: string): void {
    const n = Math.max(1, Number.parseInt(params || '1', 10) || 1);
    if (final === 'D') this.col = Math.max(0, this.col - n);
    else if (final === 'C') this.col += n;
    else if (final === 'K') {
      if (params === '' || params === '0') this.current.length = Math.min(this.current.length, this.col);
      else if (params === '2') this.current = [];
      else if (params === '1') for (let i = 0; i < Math.min(this.col, this.current.length); i++) this.current[i] = ' ';
    } else if (final === 'G') this.col = n - 1;
    // colours (m), scrolling, cursor keys mode and the rest change nothing a parser reads.
  }

  /** The unfinished line the cursor is on: where a prompt or a pager waits. */
  get partial(): string {
    return this.current.join('');
  }
}
