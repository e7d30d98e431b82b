import { Packet, Session, type NativeVarbind } from 'snmp-native';
import { unsignedFromBer } from './counter64.js';
import { SnmpError, type SnmpTransport, type SnmpValue, type TransportOptions, type Varbind } from './transport.js';

// ASN.1 / SNMP tags (RFC 3416): the library's numbers, named.
const tag = { integer: 0x02, octets: 0x04, null: 0x05, oid: 0x06, ipAddress: 0x40, counter32: 0x41, gauge32: 0x42, timeticks: 0x43, opaque: 0x44, counter64: 0x46, noSuchObject: 0x80, noSuchInstance: 0x81, endOfMibView: 0x82 };

const oidArray = (oid: string) => oid.replace(/^\./, '').split('.').map(Number);
const getBulk = 5;
const bulkRepetitions = 50;

function compareOids(a: string, b: string): number {
  const x = oidArray(a);
  const y = oidArray(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** snmp-native's varbind, with numbers from the raw bytes (exact; see counter64.ts). */
export function decodeNative(vb: NativeVarbind): Varbind {
  const oid = vb.oid.join('.');
  const raw = vb.valueRaw ?? Buffer.alloc(0);
  let value: SnmpValue;
  switch (vb.type) {
    case tag.counter64:
      value = { type: 'counter64', value: unsignedFromBer(raw) };
      break;
    case tag.counter32:
      value = { type: 'counter32', value: unsignedFromBer(raw) };
      break;
    case tag.gauge32:
      value = { type: 'gauge32', value: unsignedFromBer(raw) };
      break;
    case tag.timeticks:
      value = { type: 'timeticks', value: unsignedFromBer(raw) };
      break;
    case tag.integer:
      value = { type: 'integer', value: BigInt(vb.value as number) };
      break;
    case tag.octets:
      value = { type: 'octets', value: Buffer.from(raw) };
      break;
    case tag.oid:
      value = { type: 'oid', value: (vb.value as number[]).join('.') };
      break;
    case tag.noSuchObject:
      value = { type: 'noSuchObject', value: null };
      break;
    case tag.noSuchInstance:
      value = { type: 'noSuchInstance', value: null };
      break;
    case tag.endOfMibView:
      value = { type: 'endOfMibView', value: null };
      break;
    case tag.null:
      value = { type: 'null', value: null };
      break;
    default:
      value = { type: 'other', value: null };
  }
  return { oid, value };
}

/**
 * SNMPv2c over snmp-native. Its getAll sends 16 varbinds per PDU one PDU after another and
 * drops errors; the agent builds its own GET PDUs (a Packet with many varbinds, sent with the
 * library's sendMsg) so it chooses the size and keeps several in flight. The retransmission
 * schedule is the library's `timeouts` list: one timeout per try.
 */
export class V2cTransport implements SnmpTransport {
  private readonly session: Session;
  private readonly timeouts: number[];

  constructor(
    private readonly options: TransportOptions & { community: string },
  ) {
    this.timeouts = Array.from({ length: options.retries + 1 }, () => options.timeoutMs);
    this.session = new Session({ host: options.host, port: options.port, community: options.community, timeouts: this.timeouts, family: options.host.includes(':') ? 'udp6' : 'udp4' });
    // A malformed answer is emitted, not thrown at the caller; without a listener it would end the process.
    this.session.on('error', () => undefined);
  }

  get(oids: string[]): Promise<Varbind[]> {
    const packet = new Packet();
    packet.community = this.options.community;
    packet.pdu.varbinds = oids.map((oid) => ({ oid: oidArray(oid), type: tag.null, value: null }));
    return new Promise((resolve, reject) => {
      this.session.sendMsg(packet, { port: this.options.port, host: this.options.host, timeouts: this.timeouts }, (err, varbinds) => {
        if (err) return reject(this.failure(err));
        resolve((varbinds ?? []).map(decodeNative));
      });
    });
  }

  /**
   * A walk by GetBulk (RFC 3416), which snmp-native's API lacks but its encoder carries: a
   * GetBulkRequest is PDU type 5 whose error-status and error-index fields are non-repeaters and
   * max-repetitions. 1,001 ifName rows are 21 round trips instead of 1,001 GetNexts.
   */
  async walk(oid: string): Promise<Varbind[]> {
    const root = `${oid.replace(/^\./, '')}.`;
    const found: Varbind[] = [];
    let from = oidArray(oid);
    for (;;) {
      const packet = new Packet();
      packet.community = this.options.community;
      packet.pdu.type = getBulk;
      packet.pdu.error = 0; // non-repeaters
      packet.pdu.errorIndex = bulkRepetitions; // max-repetitions
      packet.pdu.varbinds = [{ oid: from, type: tag.null, value: null }];
      const answer = await new Promise<Varbind[]>((resolve, reject) => {
        this.session.sendMsg(packet, { port: this.options.port, host: this.options.host, timeouts: this.timeouts }, (err, varbinds) => {
          if (err) return reject(this.failure(err));
          resolve((varbinds ?? []).map(decodeNative));
        });
      });
      if (answer.length === 0) return found;
      for (const vb of answer) {
        if (!vb.oid.startsWith(root) || vb.value.type === 'endOfMibView') return found;
        // An agent that answers an OID not after the last one would walk for ever.
        if (found.length && compareOids(vb.oid, found[found.length - 1].oid) <= 0) throw new SnmpError('protocol', `${this.options.host}: the walk of ${oid} went backwards at ${vb.oid}`);
        found.push(vb);
      }
      from = oidArray(found[found.length - 1].oid);
    }
  }

  private failure(err: Error): SnmpError {
    const tries = this.timeouts.length;
    if (err.message === 'Timeout') {
      return new SnmpError(
        'timeout',
        `no answer from ${this.options.host}:${this.options.port} within ${this.options.timeoutMs} ms × ${tries} ${tries === 1 ? 'try' : 'tries'} (SNMPv2c: a wrong community looks the same)`,
      );
    }
    if (err.message === 'TooBig') return new SnmpError('tooBig', 'tooBig: the answer would not fit in the device’s message size');
    return new SnmpError('protocol', `${this.options.host}:${this.options.port}: ${err.message}`);
  }

  close(): void {
    try {
      this.session.close();
    } catch {
      // Already closed.
    }
  }
}
