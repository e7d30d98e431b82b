// The little of snmp-native and net-snmp the SNMP agent uses (neither ships types).
declare module 'snmp-native' {
  export interface NativeVarbind {
    oid: number[];
    type: number;
    value: unknown;
    valueRaw?: Buffer;
    valueHex?: string;
    receiveStamp?: number;
  }
  export interface SessionOptions {
    host?: string;
    port?: number;
    community?: string;
    family?: 'udp4' | 'udp6';
    timeouts?: number[];
    bindPort?: number;
  }
  export class Packet {
    version: number;
    community: string;
    pdu: { type: number; reqid: number; error: number; errorIndex: number; varbinds: { oid: number[]; type: number; value: unknown }[] };
  }
  export class Session {
    constructor(options?: SessionOptions);
    sendMsg(pkt: Packet, options: SessionOptions, callback: (err: Error | null, varbinds?: NativeVarbind[]) => void): void;
    getSubtree(options: SessionOptions & { oid: number[] | string }, callback: (err: Error | null, varbinds?: NativeVarbind[]) => void): void;
    getNext(options: SessionOptions & { oid: number[] | string }, callback: (err: Error | null, varbinds?: NativeVarbind[]) => void): void;
    on(event: 'error', listener: (err: Error) => void): this;
    close(): void;
  }
  export const DataTypes: Record<string, number>;
  export const PduTypes: Record<string, number>;
  export const Errors: Record<string, number>;
  export const Versions: { SNMPv1: number; SNMPv2c: number };
  export function parse(buf: Buffer): unknown;
}

declare module 'net-snmp' {
  export interface NetSnmpVarbind {
    oid: string;
    type: number;
    value: unknown;
  }
  export interface V3User {
    name: string;
    level: number;
    authProtocol?: number;
    authKey?: string;
    privProtocol?: number;
    privKey?: string;
  }
  export interface SessionOptions {
    port?: number;
    retries?: number;
    timeout?: number;
    transport?: 'udp4' | 'udp6';
    version?: number;
    backoff?: number;
  }
  export interface Session {
    get(oids: string[], callback: (err: Error | null, varbinds: NetSnmpVarbind[]) => void): void;
    subtree(oid: string, maxRepetitions: number, feed: (varbinds: NetSnmpVarbind[]) => boolean | void, done: (err: Error | null) => void): void;
    close(): void;
    on(event: 'error', listener: (err: Error) => void): this;
  }
  export function createV3Session(target: string, user: V3User, options?: SessionOptions): Session;
  export function isVarbindError(vb: NetSnmpVarbind): boolean;
  export const SecurityLevel: { noAuthNoPriv: number; authNoPriv: number; authPriv: number };
  export const AuthProtocols: Record<string, number>;
  export const PrivProtocols: Record<string, number>;
  export const ObjectType: Record<string, number>;
  export const ErrorStatus: Record<string, number>;
  export const ResponseInvalidCode: Record<string, number>;
  export class RequestTimedOutError extends Error {}
  export class ResponseInvalidError extends Error {
    code: number;
  }
  export class RequestFailedError extends Error {
    status?: number;
  }
  export const Encryption: {
    algorithms: Record<number, unknown>;
    encryptPduAes: unknown;
    decryptPduAes: unknown;
    generateLocalizedKeyBlumenthal: unknown;
    generateLocalizedKeyReeder: unknown;
  };
}
