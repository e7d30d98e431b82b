import snmp from 'net-snmp';
import { SnmpError, type SnmpCredentials, type SnmpTransport, type SnmpValue, type TransportOptions, type Varbind } from './transport.js';

/**
 * net-snmp knows AES-128 and AES-256 in both key-extension variants, and no AES-192. AES-192
 * is registered beside them (the same AES-CFB code and localisation functions, a 24-byte key):
 * one table entry each, under ids past the library's own.
 */
const aes192b = 101;
const aes192r = 102;
const { Encryption } = snmp;
for (const [id, localization] of [
  [aes192b, Encryption.generateLocalizedKeyBlumenthal],
  [aes192r, Encryption.generateLocalizedKeyReeder],
] as const) {
  Encryption.algorithms[id] ??= {
    CRYPTO_ALGORITHM: 'aes-192-cfb',
    KEY_LENGTH: 24,
    BLOCK_LENGTH: 16,
    encryptPdu: Encryption.encryptPduAes,
    decryptPdu: Encryption.decryptPduAes,
    localizationAlgorithm: localization,
  };
}

/**
 * The registry's protocol names → net-snmp's constants, in one place. AES-192/256 exist in two
 * incompatible key extensions (draft-blumenthal-aes-usm vs Reeder's, which Cisco uses). Measured
 * against Debian's snmpd 5.9.3: its `AES256` user answers net-snmp's `aes256b` and times out on
 * `aes256r`; its `AES256C` user the reverse. So the plain names are Blumenthal (as net-snmp's
 * snmpd speaks), and `AES-192-C` / `AES-256-C` are Reeder (Cisco).
 */
export const authProtocols: Record<string, number> = {
  MD5: snmp.AuthProtocols.md5,
  SHA: snmp.AuthProtocols.sha,
  'SHA-224': snmp.AuthProtocols.sha224,
  'SHA-256': snmp.AuthProtocols.sha256,
  'SHA-384': snmp.AuthProtocols.sha384,
  'SHA-512': snmp.AuthProtocols.sha512,
};
export const privProtocols: Record<string, number> = {
  DES: snmp.PrivProtocols.des,
  AES: snmp.PrivProtocols.aes,
  'AES-192': aes192b,
  'AES-256': snmp.PrivProtocols.aes256b,
  'AES-192-C': aes192r,
  'AES-256-C': snmp.PrivProtocols.aes256r,
};

function decode(vb: snmp.NetSnmpVarbind): Varbind {
  const T = snmp.ObjectType;
  let value: SnmpValue;
  switch (vb.type) {
    case T.Counter64:
      // net-snmp hands Counter64 over as the raw big-endian bytes (a Buffer of up to 8 or 9).
      value = { type: 'counter64', value: BigInt(`0x${(vb.value as Buffer).toString('hex') || '0'}`) };
      break;
    case T.Counter:
      value = { type: 'counter32', value: BigInt(vb.value as number) };
      break;
    case T.Gauge:
      value = { type: 'gauge32', value: BigInt(vb.value as number) };
      break;
    case T.TimeTicks:
      value = { type: 'timeticks', value: BigInt(vb.value as number) };
      break;
    case T.Integer:
      value = { type: 'integer', value: BigInt(vb.value as number) };
      break;
    case T.OctetString:
      value = { type: 'octets', value: Buffer.isBuffer(vb.value) ? vb.value : Buffer.from(String(vb.value)) };
      break;
    case T.OID:
      value = { type: 'oid', value: String(vb.value) };
      break;
    case T.NoSuchObject:
      value = { type: 'noSuchObject', value: null };
      break;
    case T.NoSuchInstance:
      value = { type: 'noSuchInstance', value: null };
      break;
    case T.EndOfMibView:
      value = { type: 'endOfMibView', value: null };
      break;
    case T.Null:
      value = { type: 'null', value: null };
      break;
    default:
      value = { type: 'other', value: null };
  }
  return { oid: vb.oid, value };
}

/** SNMPv3 (USM) over net-snmp: authNoPriv or authPriv as the credentials say. */
export class V3Transport implements SnmpTransport {
  private readonly session: snmp.Session;

  constructor(
    private readonly options: TransportOptions,
    credentials: SnmpCredentials,
  ) {
    const auth = credentials.authProtocol ? authProtocols[credentials.authProtocol] : undefined;
    const priv = credentials.privProtocol ? privProtocols[credentials.privProtocol] : undefined;
    if (credentials.authProtocol && auth === undefined) throw new SnmpError('protocol', `unknown SNMPv3 authProtocol ${credentials.authProtocol}`);
    if (credentials.privProtocol && priv === undefined) throw new SnmpError('protocol', `unknown SNMPv3 privProtocol ${credentials.privProtocol}`);
    const level = priv !== undefined ? snmp.SecurityLevel.authPriv : auth !== undefined ? snmp.SecurityLevel.authNoPriv : snmp.SecurityLevel.noAuthNoPriv;
    this.session = snmp.createV3Session(
      options.host,
      { name: credentials.user ?? '', level, authProtocol: auth, authKey: credentials.authKey, privProtocol: priv, privKey: credentials.privKey },
      { port: options.port, timeout: options.timeoutMs, retries: options.retries, backoff: 1, transport: options.host.includes(':') ? 'udp6' : 'udp4' },
    );
    this.session.on('error', () => undefined);
  }

  get(oids: string[]): Promise<Varbind[]> {
    return new Promise((resolve, reject) => {
      this.session.get(oids, (err, varbinds) => {
        if (err) return reject(this.failure(err));
        resolve(varbinds.map(decode));
      });
    });
  }

  walk(oid: string): Promise<Varbind[]> {
    const found: Varbind[] = [];
    return new Promise((resolve, reject) => {
      this.session.subtree(
        oid,
        50,
        (varbinds) => {
          for (const vb of varbinds) found.push(decode(vb));
        },
        (err) => (err ? reject(this.failure(err)) : resolve(found)),
      );
    });
  }

  private failure(err: Error): SnmpError {
    if (err instanceof snmp.RequestTimedOutError) {
      return new SnmpError('timeout', `no answer from ${this.options.host}:${this.options.port} within ${this.options.timeoutMs} ms × ${this.options.retries + 1} tries`);
    }
    if (err instanceof snmp.ResponseInvalidError && err.code === snmp.ResponseInvalidCode.EAuthFailure) {
      return new SnmpError('auth', `SNMPv3 USM refused: ${err.message}`);
    }
    if (err instanceof snmp.ResponseInvalidError && err.code === snmp.ResponseInvalidCode.ECouldNotDecrypt) {
      return new SnmpError('auth', `SNMPv3: the answer does not decrypt (wrong privKey or privProtocol): ${err.message}`);
    }
    if (/TooBig/i.test(err.message)) return new SnmpError('tooBig', err.message);
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
