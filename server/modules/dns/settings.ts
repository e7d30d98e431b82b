import { wholeSetting } from '../../env.js';

/**
 * Deployment defaults for zones, read from the environment when a zone is registered. They
 * become data on the domain (its `soa` and `ttl`), so changing them later changes no
 * existing zone behind its operators' backs.
 *
 * | variable                   | default               |
 * |----------------------------|-----------------------|
 * | WAIWANG_DNS_SOA_RNAME      | hostmaster.<zone>     |
 * | WAIWANG_DNS_SOA_REFRESH    | 3600                  |
 * | WAIWANG_DNS_SOA_RETRY      | 900                   |
 * | WAIWANG_DNS_SOA_EXPIRE     | 1209600               |
 * | WAIWANG_DNS_SOA_MINIMUM    | 300                   |
 * | WAIWANG_DNS_TTL            | 3600 (SOA, NS, glue)  |
 */

export interface SoaTimers {
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

export interface DnsDefaults extends SoaTimers {
  /** The mailbox as a domain name (`hostmaster.gx.example`); null means hostmaster.<zone>. */
  rname: string | null;
  ttl: number;
}

const seconds = (env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number) => wholeSetting(env, name, fallback, min, max, 'seconds');

export function dnsDefaults(env: NodeJS.ProcessEnv = process.env): DnsDefaults {
  return {
    rname: env.WAIWANG_DNS_SOA_RNAME || null,
    refresh: seconds(env, 'WAIWANG_DNS_SOA_REFRESH', 3600, 60, 2_419_200),
    retry: seconds(env, 'WAIWANG_DNS_SOA_RETRY', 900, 60, 2_419_200),
    expire: seconds(env, 'WAIWANG_DNS_SOA_EXPIRE', 1_209_600, 3600, 31_536_000),
    minimum: seconds(env, 'WAIWANG_DNS_SOA_MINIMUM', 300, 0, 86_400),
    ttl: seconds(env, 'WAIWANG_DNS_TTL', 3600, 60, 604_800),
  };
}
