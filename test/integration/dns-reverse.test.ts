import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startTestApp, type TestApp } from '../support/harness.js';
import { checkZone } from '../support/named.js';
import { buildChain, buildNestedClassless, buildReverseTree } from './dns-fixtures.js';

describe.each(backends)('reverse zones from the prefix tree on %s', (backend) => {
  let t: TestApp;
  let chain: Awaited<ReturnType<typeof buildChain>>;
  let tree: Awaited<ReturnType<typeof buildReverseTree>>;
  const suffix = 'gx.example';
  const nanningNs = [`ns1.nanning.${suffix}.`, `ns2.${suffix}.`];
  const regionNs = [`ns1.${suffix}.`, `ns2.${suffix}.`];

  beforeAll(async () => {
    t = await startTestApp(backend);
    chain = await buildChain(t, suffix);
    tree = await buildReverseTree(t, chain, suffix);
  });
  afterAll(async () => t?.close());

  const zone = async (name: string) => {
    const reply = await t.call('GET', `/api/v1/reverse-zones/${encodeURIComponent(name)}`);
    expect(reply.status, reply.text).toBe(200);
    expect(reply.headers.get('content-type')).toContain('text/dns');
    const checked = await checkZone(name, reply.text);
    expect(checked.ok, `${checked.output}\n${reply.text}`).toBe(true);
    return { text: reply.text, lines: reply.text.split('\n'), etag: reply.headers.get('etag')! };
  };
  const nsAt = (lines: string[], name: string) =>
    lines
      .filter((l) => l.startsWith(`${name}. `) && l.includes(' IN NS '))
      .map((l) => l.split(' ').pop())
      .sort();

  it('lists the reverse zones a prefix spans: octet and nibble boundaries, RFC 2317 below /24', async () => {
    const names = async (p: { id: string }) => (await t.call('GET', `/api/v1/prefixes/${p.id}/reverse-zones`)).body.items.map((i: { name: string }) => i.name);
    expect(await names(tree.v4)).toEqual(['45.10.in-addr.arpa']);
    const twenty = await names(tree.nanning20);
    expect(twenty).toHaveLength(16);
    expect(twenty[0]).toBe('16.45.10.in-addr.arpa');
    expect(twenty[15]).toBe('31.45.10.in-addr.arpa');
    expect(await names(tree.dsj27)).toEqual(['64/27.1.45.10.in-addr.arpa']);
    expect(await names(tree.v6)).toEqual(['5.4.0.0.8.b.d.0.1.0.0.2.ip6.arpa']);
    expect(await names(tree.nanning56)).toEqual(['1.0.5.4.0.0.8.b.d.0.1.0.0.2.ip6.arpa']);
    expect((await t.call('GET', '/api/v1/prefixes/999999/reverse-zones')).status).toBe(404);
  });

  it('serves the /16 zone with its /24 and /20 children delegated to their holders’ name servers', async () => {
    const { lines, text } = await zone('45.10.in-addr.arpa');
    expect(text).toMatch(new RegExp(`^45\\.10\\.in-addr\\.arpa\\. 3600 IN SOA ns1\\.${suffix.replace('.', '\\.')}\\. hostmaster\\.${suffix.replace('.', '\\.')}\\. 20\\d{8} `, 'm'));
    expect(nsAt(lines, '45.10.in-addr.arpa')).toEqual(regionNs);
    // The region's own department has no DNS of its own: the region serves its zone.
    expect(nsAt(lines, '0.45.10.in-addr.arpa')).toEqual(regionNs);
    expect(nsAt(lines, '1.45.10.in-addr.arpa')).toEqual(nanningNs);
    expect(nsAt(lines, '2.45.10.in-addr.arpa')).toEqual(regionNs);
    // The /20 spans sixteen /24 zones; the county's /24 inside it is delegated straight to the county.
    for (let octet = 16; octet < 32; octet++) {
      expect(nsAt(lines, `${octet}.45.10.in-addr.arpa`)).toEqual(octet === 17 ? [`ns1.xingning.nanning.${suffix}.`] : nanningNs);
    }
    expect(text).not.toContain(' PTR ');
  });

  it('serves a /24 with RFC 2317 children: CNAMEs into each classless zone and NS for it', async () => {
    const { lines } = await zone('1.45.10.in-addr.arpa');
    expect(nsAt(lines, '1.45.10.in-addr.arpa')).toEqual(nanningNs);
    expect(nsAt(lines, '0/26.1.45.10.in-addr.arpa')).toEqual(nanningNs);
    expect(nsAt(lines, '64/27.1.45.10.in-addr.arpa')).toEqual([`ns1.dsj.nanning.${suffix}.`]);
    expect(lines).toContain('0.1.45.10.in-addr.arpa. 3600 IN CNAME 0.0/26.1.45.10.in-addr.arpa.');
    expect(lines).toContain('63.1.45.10.in-addr.arpa. 3600 IN CNAME 63.0/26.1.45.10.in-addr.arpa.');
    expect(lines).toContain('66.1.45.10.in-addr.arpa. 3600 IN CNAME 66.64/27.1.45.10.in-addr.arpa.');
    expect(lines.filter((l) => l.includes(' CNAME '))).toHaveLength(64 + 32);
    expect(lines.some((l) => l.startsWith('96.1.45.10.in-addr.arpa.'))).toBe(false);

    const classless = await zone('64/27.1.45.10.in-addr.arpa');
    expect(nsAt(classless.lines, '64/27.1.45.10.in-addr.arpa')).toEqual([`ns1.dsj.nanning.${suffix}.`]);
    expect(classless.text).toMatch(/IN SOA ns1\.dsj\.nanning\.gx\.example\. /);
    expect(classless.lines).toContain(`66.64/27.1.45.10.in-addr.arpa. 3600 IN PTR portal.dsj.nanning.${suffix}.`);
    expect(classless.lines).toContain(`67.64/27.1.45.10.in-addr.arpa. 3600 IN PTR ns1.dsj.nanning.${suffix}.`);

    const inherited = await zone('0/26.1.45.10.in-addr.arpa');
    expect(nsAt(inherited.lines, '0/26.1.45.10.in-addr.arpa')).toEqual(nanningNs);
    expect(inherited.lines).toContain(`10.0/26.1.45.10.in-addr.arpa. 3600 IN PTR www.nanning.${suffix}.`);
    // An address without a hostname publishes no PTR.
    expect(inherited.text).not.toContain('11.0/26.1.45.10.in-addr.arpa.');
  });

  it('delegates a classless zone inside a classless zone with NS and CNAMEs inside it, not under the /24 (issue 13 item 6)', async () => {
    const nested = await buildNestedClassless(t, chain, suffix);
    const countyNs = [`ns1.xingning.nanning.${suffix}.`];
    const names = async (p: { id: string }) => (await t.call('GET', `/api/v1/prefixes/${p.id}/reverse-zones`)).body.items.map((i: { name: string }) => i.name);
    expect(await names(nested.county26)).toEqual(['64/26.3.45.10.in-addr.arpa']);
    expect(await names(nested.dept27)).toEqual(['64/27.64/26.3.45.10.in-addr.arpa']);

    const z24 = await zone('3.45.10.in-addr.arpa');
    expect(nsAt(z24.lines, '64/26.3.45.10.in-addr.arpa')).toEqual(countyNs);
    expect(z24.lines).toContain('70.3.45.10.in-addr.arpa. 3600 IN CNAME 70.64/26.3.45.10.in-addr.arpa.');
    expect(z24.lines.filter((l) => l.includes(' CNAME '))).toHaveLength(64);
    expect(z24.text).not.toContain('64/27');

    const z26 = await zone('64/26.3.45.10.in-addr.arpa');
    expect(nsAt(z26.lines, '64/26.3.45.10.in-addr.arpa')).toEqual(countyNs);
    expect(nsAt(z26.lines, '64/27.64/26.3.45.10.in-addr.arpa')).toEqual(countyNs);
    expect(z26.lines).toContain('70.64/26.3.45.10.in-addr.arpa. 3600 IN CNAME 70.64/27.64/26.3.45.10.in-addr.arpa.');
    expect(z26.lines.filter((l) => l.includes(' CNAME '))).toHaveLength(32);
    // Every owner name lies inside the zone.
    const owners = z26.lines.filter((l) => l !== '' && !l.startsWith(';') && !l.startsWith('$')).map((l) => l.split(' ')[0]);
    expect(owners.filter((o) => !o.endsWith('64/26.3.45.10.in-addr.arpa.'))).toEqual([]);

    const z27 = await zone('64/27.64/26.3.45.10.in-addr.arpa');
    expect(nsAt(z27.lines, '64/27.64/26.3.45.10.in-addr.arpa')).toEqual(countyNs);
    expect(z27.lines).toContain(`70.64/27.64/26.3.45.10.in-addr.arpa. 3600 IN PTR www.xingning.nanning.${suffix}.`);

    // The name the /27 would have on its own is no zone: the answer names the one that is.
    const flat = await t.call('GET', `/api/v1/reverse-zones/${encodeURIComponent('64/27.3.45.10.in-addr.arpa')}`);
    expect(flat.status).toBe(404);
    expect(flat.body.detail).toContain('64/27.64/26.3.45.10.in-addr.arpa');
    const rdap = await t.call('GET', `/rdap/domain/${encodeURIComponent('64/27.64/26.3.45.10.in-addr.arpa')}`, { token: null });
    expect(rdap.status, rdap.text).toBe(200);
    expect(rdap.body.network.handle).toBe(nested.dept27.id);
  });

  it('serves the zones of a /20 and of the region’s own /24 with its PTRs', async () => {
    const twenty = await zone('20.45.10.in-addr.arpa');
    expect(twenty.text).toMatch(/IN SOA ns1\.nanning\.gx\.example\. /);
    expect(nsAt(twenty.lines, '20.45.10.in-addr.arpa')).toEqual(nanningNs);
    const county = await zone('17.45.10.in-addr.arpa');
    expect(nsAt(county.lines, '17.45.10.in-addr.arpa')).toEqual([`ns1.xingning.nanning.${suffix}.`]);
    const region = await zone('0.45.10.in-addr.arpa');
    expect(region.lines).toContain(`53.0.45.10.in-addr.arpa. 3600 IN PTR ns1.${suffix}.`);
    expect(region.lines).toContain(`54.0.45.10.in-addr.arpa. 3600 IN PTR ns2.${suffix}.`);
  });

  it('serves an IPv6 /48 with delegated /56s, and a /64 with its PTRs', async () => {
    const z48 = '5.4.0.0.8.b.d.0.1.0.0.2.ip6.arpa';
    const { lines } = await zone(z48);
    expect(nsAt(lines, z48)).toEqual(regionNs);
    expect(nsAt(lines, `1.0.${z48}`)).toEqual(nanningNs);
    expect(nsAt(lines, `2.0.${z48}`)).toEqual(regionNs);
    const z56 = await zone(`1.0.${z48}`);
    expect(nsAt(z56.lines, `0.0.1.0.${z48}`)).toEqual(nanningNs);
    const z64 = await zone(`0.0.1.0.${z48}`);
    expect(z64.lines).toContain(`0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.${z48}. 3600 IN PTR www.nanning.${suffix}.`);
  });

  it('moves the serial only when the zone’s content changes, and answers If-None-Match', async () => {
    const first = await zone('0/26.1.45.10.in-addr.arpa');
    const again = await zone('0/26.1.45.10.in-addr.arpa');
    expect(again.text).toBe(first.text);
    expect(again.etag).toBe(first.etag);
    const cached = await t.call('GET', `/api/v1/reverse-zones/${encodeURIComponent('0/26.1.45.10.in-addr.arpa')}`, { headers: { 'if-none-match': first.etag } });
    expect(cached.status).toBe(304);
    const serialOf = (text: string) => Number(/ IN SOA \S+ \S+ (\d+) /.exec(text)![1]);
    const added = await t.call('POST', `/api/v1/prefixes/${tree.dept26.id}/addresses`, { token: chain.cityOp, body: { address: '10.45.1.12', hostname: `mail.nanning.${suffix}` } });
    expect(added.status, added.text).toBe(201);
    const changed = await zone('0/26.1.45.10.in-addr.arpa');
    expect(serialOf(changed.text)).toBe(serialOf(first.text) + 1);
    expect(changed.lines).toContain(`12.0/26.1.45.10.in-addr.arpa. 3600 IN PTR mail.nanning.${suffix}.`);
    expect(changed.etag).not.toBe(first.etag);
  });

  it('refuses names that are not zones, or that nobody registered', async () => {
    const ask = (name: string) => t.call('GET', `/api/v1/reverse-zones/${encodeURIComponent(name)}`);
    const inside = await ask('5.45.10.in-addr.arpa');
    expect(inside.status).toBe(404);
    expect(inside.body.detail).toContain('45.10.in-addr.arpa');
    expect((await ask('10.1.45.10.in-addr.arpa')).status).toBe(404);
    expect((await ask('99.10.in-addr.arpa')).status).toBe(404);
    const malformed = await ask('300.10.in-addr.arpa');
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('invalid_cidr');
    expect((await ask('example.com')).status).toBe(400);
    expect((await t.call('GET', `/api/v1/reverse-zones/45.10.in-addr.arpa?vrf=nosuchvrf`)).status).toBe(404);
  });

  it('takes public before internet when both hold an equally specific prefix, in the reverse zone and in RDAP alike (issue 13 item 14)', async () => {
    const z = '49.10.in-addr.arpa';
    const root = async (vrf: string, holder: string) => {
      const reply = await t.call('POST', '/api/v1/prefixes', { body: { vrf, cidr: '10.49.0.0/16', holder, description: `${vrf} twin` } });
      expect(reply.status, reply.text).toBe(201);
      return reply.body as { id: string };
    };
    // internet first, so that it comes first in the table.
    const internet = await root('internet', '450100');
    const shared = await root('public', '450000');
    const rdap = (path: string) => t.call('GET', path, { token: null });
    const expectPublic = async () => {
      expect((await rdap('/rdap/ip/10.49.1.1')).body.handle).toBe(shared.id);
      const domain = await rdap(`/rdap/domain/${z}`);
      expect(domain.body.network.handle).toBe(shared.id);
      expect(domain.body.nameservers.map((n: { ldhName: string }) => `${n.ldhName}.`)).toEqual(regionNs);
      const file = await zone(z);
      expect(nsAt(file.lines, z)).toEqual(regionNs);
      expect(file.text).toContain('held by 450000');
    };
    await expectPublic();
    // An update writes a row's new version at the end of the table: neither moves the answer.
    for (const p of [shared, internet, shared]) {
      expect((await t.call('PATCH', `/api/v1/prefixes/${p.id}`, { body: { description: `rewritten ${p.id}` } })).status).toBe(200);
      await expectPublic();
    }
  });

  it('never lowers a reverse zone’s serial when its owner moves from public to internet and back (issue 13 item 14)', async () => {
    t.clock.now = new Date('2027-01-05T02:00:00Z');
    const z = '50.10.in-addr.arpa';
    const serialOf = (text: string) => Number(/ IN SOA \S+ \S+ (\d+) /.exec(text)![1]);
    const root = async (vrf: string, holder: string) => {
      const reply = await t.call('POST', '/api/v1/prefixes', { body: { vrf, cidr: '10.50.0.0/16', holder, description: `${vrf} twin` } });
      expect(reply.status, reply.text).toBe(201);
      return reply.body as { id: string };
    };
    await root('internet', '450100');
    const shared = await root('public', '450000');
    const serials = [serialOf((await zone(z)).text)];
    expect(serials[0]).toBe(2027010500);
    // Two changes of the public zone the same day …
    const child = await t.call('POST', `/api/v1/prefixes/${shared.id}/allocate`, { body: { prefixLength: 24, holder: '450100', status: 'allocated' } });
    expect(child.status, child.text).toBe(201);
    serials.push(serialOf((await zone(z)).text));
    expect((await t.call('DELETE', `/api/v1/prefixes/${child.body.id}`)).status).toBe(204);
    serials.push(serialOf((await zone(z)).text));
    // … then public gives the space up: the internet prefix now owns the zone, under the same name.
    expect((await t.call('DELETE', `/api/v1/prefixes/${shared.id}`)).status).toBe(204);
    const moved = await zone(z);
    expect(nsAt(moved.lines, z)).toEqual(nanningNs);
    serials.push(serialOf(moved.text));
    // … and takes it back, with the very content it had before.
    await root('public', '450000');
    const back = await zone(z);
    expect(nsAt(back.lines, z)).toEqual(regionNs);
    serials.push(serialOf(back.text));
    expect(serials).toEqual([2027010500, 2027010501, 2027010502, 2027010503, 2027010504]);
    // Asking for one space by name is a zone of its own, with its own serial.
    const own = await t.call('GET', `/api/v1/reverse-zones/${z}?vrf=internet`);
    expect(own.status, own.text).toBe(200);
    expect(nsAt(own.text.split('\n'), z)).toEqual(nanningNs);
  });
});
