/**
 * Only a server that answers proves a delegation: the generated zones are loaded into private
 * `named` instances on 127.0.0.1, one per zone (or per group of zones one operator runs), and
 * asked with `dig +norecurse` the way a resolver walks down the tree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startTestApp, type TestApp } from '../support/harness.js';
import { checkZone, dig, startNamed, startResolver, type DigAnswer, type NamedInstance } from '../support/named.js';
import { buildChain, buildNestedClassless, buildReverseTree } from './dns-fixtures.js';

const suffix = 'gx.example';
/** The /24, the classless /26 in it and the classless /27 in that: buildNestedClassless. */
const nestedZones = ['3.45.10.in-addr.arpa', '64/26.3.45.10.in-addr.arpa', '64/27.64/26.3.45.10.in-addr.arpa'];

describe('the zone checker itself', () => {
  it('fails a delegation without its glue, a bad owner name and a missing in-zone address, though named-checkzone says OK to the first', async () => {
    const head = [`$TTL 300`, `${suffix}. 300 IN SOA ns1.${suffix}. hostmaster.${suffix}. 1 3600 900 1209600 300`, `${suffix}. 300 IN NS ns1.${suffix}.`];
    const good = [...head, `ns1.${suffix}. 300 IN A 10.0.0.1`, `sub.${suffix}. 300 IN NS ns.sub.${suffix}.`, `ns.sub.${suffix}. 300 IN A 10.0.0.2`, ''].join('\n');
    expect((await checkZone(suffix, good)).ok).toBe(true);
    expect((await checkZone(suffix, good.replace(`ns.sub.${suffix}. 300 IN A 10.0.0.2`, ''))).output).toContain('REQUIRED GLUE');
    expect((await checkZone(suffix, good.replace(`ns.sub.${suffix}. 300 IN A 10.0.0.2`, ''))).ok).toBe(false);
    expect((await checkZone(suffix, `${good}my_host.${suffix}. 300 IN A 10.0.0.3\n`)).ok).toBe(false);
    expect((await checkZone(suffix, good.replace(`ns1.${suffix}. 300 IN A 10.0.0.1`, ''))).ok).toBe(false);
  });
});

describe.each(backends)('generated zones served by named on %s', (backend) => {
  let t: TestApp;
  let chain: Awaited<ReturnType<typeof buildChain>>;
  const servers: NamedInstance[] = [];
  const zones = new Map<string, string>();

  const serve = async (...origins: string[]) => {
    const server = await startNamed(origins.map((origin) => ({ origin, text: zones.get(origin)! })));
    servers.push(server);
    return server;
  };
  const names = (rrs: DigAnswer['answer'], type: string) =>
    rrs
      .filter((rr) => rr.type === type)
      .map((rr) => `${rr.name} ${rr.value}`)
      .sort();

  beforeAll(async () => {
    t = await startTestApp(backend);
    chain = await buildChain(t, suffix);
    await buildReverseTree(t, chain, suffix);
    await buildNestedClassless(t, chain, suffix);
    const www = await t.call('POST', `/api/v1/domains/${chain.township.id}/records`, { token: chain.countyOp, body: { name: 'www', type: 'A', value: '10.45.2.80' } });
    expect(www.status, www.text).toBe(201);
    const fetchZone = async (origin: string, path: string) => {
      const reply = await t.call('GET', path);
      expect(reply.status, reply.text).toBe(200);
      const checked = await checkZone(origin, reply.text);
      expect(checked.ok, `${checked.output}\n${reply.text}`).toBe(true);
      zones.set(origin, reply.text);
    };
    for (const d of [chain.root, chain.city, chain.county, chain.township]) await fetchZone(d.name, `/api/v1/domains/${d.id}/zone`);
    for (const name of ['45.10.in-addr.arpa', '0.45.10.in-addr.arpa', '1.45.10.in-addr.arpa', '64/27.1.45.10.in-addr.arpa', '0.0.1.0.5.4.0.0.8.b.d.0.1.0.0.2.ip6.arpa', ...nestedZones]) {
      await fetchZone(name, `/api/v1/reverse-zones/${encodeURIComponent(name)}`);
    }
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await t?.close();
  });

  it('walks region → city → county → township: each parent refers with NS and glue matching the child’s name servers, the township answers', async () => {
    const [root, city, county, township] = await Promise.all([chain.root, chain.city, chain.county, chain.township].map((d) => serve(d.name)));
    const host = `www.${chain.township.name}`;
    const steps = [
      { server: root, child: chain.city },
      { server: city, child: chain.county },
      { server: county, child: chain.township },
    ];
    let glueSeen = 0;
    for (const { server, child } of steps) {
      const referral = await dig(server.port, host, 'A');
      expect(referral.status, referral.raw).toBe('NOERROR');
      expect(referral.flags, referral.raw).not.toContain('aa');
      expect(referral.answer).toEqual([]);
      const registered = (await t.call('GET', `/api/v1/domains/${child.id}`)).body as { name: string; nameservers: { name: string; addresses: string[] }[] };
      expect(names(referral.authority, 'NS')).toEqual(registered.nameservers.map((ns) => `${registered.name} ${ns.name}.`).sort());
      // Glue (names below the cut, which resolvers cannot reach otherwise) is exactly the registered addresses.
      const within = (name: string, zone: string) => name === zone || name.endsWith(`.${zone}`);
      const parentZone = child.name.slice(child.name.indexOf('.') + 1);
      const addressesOf = (filter: (name: string) => boolean) =>
        registered.nameservers.filter((ns) => filter(ns.name)).flatMap((ns) => ns.addresses.map((a) => `${ns.name} ${a}`)).sort();
      const additional = referral.additional.filter((rr) => rr.type === 'A' || rr.type === 'AAAA').map((rr) => `${rr.name} ${rr.value}`);
      expect(additional.filter((rr) => within(rr.split(' ')[0], child.name)).sort()).toEqual(addressesOf((name) => within(name, child.name)));
      glueSeen += additional.length;
      // Servers elsewhere in the parent zone are answered there, authoritatively.
      for (const ns of registered.nameservers.filter((n) => within(n.name, parentZone) && !within(n.name, child.name))) {
        const own = await dig(server.port, ns.name, 'A');
        expect(own.flags).toContain('aa');
        expect(names(own.answer, 'A')).toEqual(expect.arrayContaining(ns.addresses.filter((a) => !a.includes(':')).map((a) => `${ns.name} ${a}`)));
      }
    }
    expect(glueSeen).toBeGreaterThanOrEqual(3);
    const answer = await dig(township.port, host, 'A');
    expect(answer.status).toBe('NOERROR');
    expect(answer.flags).toContain('aa');
    expect(names(answer.answer, 'A')).toEqual([`${host} 10.45.2.80`]);
    // …and the city's own server is authoritative for its name server's address.
    const ns = await dig(city.port, `ns1.${chain.city.name}`, 'A');
    expect(names(ns.answer, 'A')).toEqual([`ns1.${chain.city.name} 10.45.1.53`]);
  });

  it('answers PTRs: the /16 refers to the /24’s servers, which answer the hostname, through RFC 2317 CNAMEs too; IPv6 as well', async () => {
    const parent = await serve('45.10.in-addr.arpa');
    const child = await serve('0.45.10.in-addr.arpa', '1.45.10.in-addr.arpa', '64/27.1.45.10.in-addr.arpa');
    const referral = await dig(parent.port, '53.0.45.10.in-addr.arpa', 'PTR');
    expect(referral.flags).not.toContain('aa');
    expect(names(referral.authority, 'NS')).toEqual([`0.45.10.in-addr.arpa ns1.${suffix}.`, `0.45.10.in-addr.arpa ns2.${suffix}.`]);

    const ptr = await dig(child.port, '53.0.45.10.in-addr.arpa', 'PTR');
    expect(ptr.flags).toContain('aa');
    expect(names(ptr.answer, 'PTR')).toEqual([`53.0.45.10.in-addr.arpa ns1.${suffix}.`]);

    // RFC 2317: the /24 answers a CNAME into the classless zone, which answers the PTR (a resolver follows the chain).
    const classless = await dig(child.port, '66.1.45.10.in-addr.arpa', 'PTR');
    expect(names(classless.answer, 'CNAME')).toEqual(['66.1.45.10.in-addr.arpa 66.64/27.1.45.10.in-addr.arpa.']);
    const target = await dig(child.port, '66.64/27.1.45.10.in-addr.arpa', 'PTR');
    expect(target.flags).toContain('aa');
    expect(names(target.answer, 'PTR')).toEqual([`66.64/27.1.45.10.in-addr.arpa portal.dsj.nanning.${suffix}.`]);

    const v6 = await serve('0.0.1.0.5.4.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
    const name = '0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.5.4.0.0.8.b.d.0.1.0.0.2.ip6.arpa';
    const v6ptr = await dig(v6.port, name, 'PTR');
    expect(names(v6ptr.answer, 'PTR')).toEqual([`${name} www.nanning.${suffix}.`]);
  });

  it('resolves a PTR through RFC 2317 twice: the /24 and the /26 each answer a CNAME and refer inside themselves, the /27 answers (issue 13 item 6)', async () => {
    const [z24, z26, z27] = nestedZones;
    const [s24, s26, s27] = await Promise.all(nestedZones.map((origin) => serve(origin)));
    const host = `www.xingning.nanning.${suffix}.`;
    const atSlash24 = await dig(s24.port, '70.3.45.10.in-addr.arpa', 'PTR');
    expect(atSlash24.flags, atSlash24.raw).toContain('aa');
    expect(names(atSlash24.answer, 'CNAME')).toEqual([`70.${z24} 70.${z26}.`]);
    // The target lies below the /24's cut for the /26: a referral to the county's server comes with the CNAME.
    expect(names(atSlash24.authority, 'NS')).toEqual([`${z26} ns1.xingning.nanning.${suffix}.`]);
    const atSlash26 = await dig(s26.port, `70.${z26}`, 'PTR');
    expect(atSlash26.flags, atSlash26.raw).toContain('aa');
    expect(names(atSlash26.answer, 'CNAME')).toEqual([`70.${z26} 70.${z27}.`]);
    expect(names(atSlash26.authority, 'NS')).toEqual([`${z27} ns1.xingning.nanning.${suffix}.`]);
    const atSlash27 = await dig(s27.port, `70.${z27}`, 'PTR');
    expect(atSlash27.flags, atSlash27.raw).toContain('aa');
    expect(names(atSlash27.answer, 'PTR')).toEqual([`70.${z27} ${host}`]);

    // A resolver that reaches each zone's server: `dig -x` resolves through both classless levels to the PTR.
    const resolver = await startResolver([
      { origin: z24, port: s24.port },
      { origin: z26, port: s26.port },
      { origin: z27, port: s27.port },
    ]);
    servers.push(resolver);
    const resolved = await dig(resolver.port, '-x', '10.45.3.70', { recurse: true });
    expect(resolved.status, resolved.raw).toBe('NOERROR');
    expect(names(resolved.answer, 'CNAME')).toEqual([`70.${z24} 70.${z26}.`, `70.${z26} 70.${z27}.`]);
    expect(names(resolved.answer, 'PTR')).toEqual([`70.${z27} ${host}`]);
  });
});
