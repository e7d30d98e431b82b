import { expect } from 'vitest';
import type { TestApp } from '../support/harness.js';

/**
 * The delegation chain region → city → county → township under a test suffix, with glue where
 * name servers sit inside a child; a server named in the delegating zone comes without
 * addresses (that zone publishes them).
 */
export async function buildChain(t: TestApp, suffix: string) {
  const cityOp = await t.userToken('operator', '450100');
  const countyOp = await t.userToken('operator', '450102');
  const root = await t.call('POST', '/api/v1/domains', {
    body: {
      name: suffix,
      holder: '450000',
      nameservers: [{ name: `ns1.${suffix}`, addresses: ['10.45.0.53'] }, { name: `ns2.${suffix}.`, addresses: ['10.45.0.54', '2001:db8:45::53'] }],
      soa: { rname: `hostmaster@${suffix}` },
    },
  });
  expect(root.status, root.text).toBe(201);
  const city = await t.call('POST', `/api/v1/domains/${root.body.id}/delegate`, {
    body: { label: 'nanning', holder: '450100', nameservers: [{ name: `ns1.nanning.${suffix}`, addresses: ['10.45.1.53'] }, { name: `ns2.${suffix}` }] },
  });
  expect(city.status, city.text).toBe(201);
  const county = await t.call('POST', `/api/v1/domains/${city.body.id}/delegate`, {
    token: cityOp,
    body: { label: 'xingning', holder: '450102', nameservers: [{ name: `ns1.xingning.nanning.${suffix}`, addresses: ['10.45.2.53', '2001:db8:45:2::53'] }] },
  });
  expect(county.status, county.text).toBe(201);
  // Townships are run by their county's operators (article 21): the county's server serves the township zone.
  const township = await t.call('POST', `/api/v1/domains/${county.body.id}/delegate`, {
    token: countyOp,
    body: { label: 'chaoyang', holder: '450102002', nameservers: [{ name: `ns1.xingning.nanning.${suffix}` }] },
  });
  expect(township.status, township.text).toBe(201);
  return { cityOp, countyOp, root: root.body, city: city.body, county: county.body, township: township.body };
}


type Chain = Awaited<ReturnType<typeof buildChain>>;

/**
 * A prefix tree with reverse DNS to build from, on top of `buildChain`'s domains:
 *
 *   10.45.0.0/16 pool, region (gx.example serves it)
 *   ├─ 10.45.0.0/24 assigned to a region department (no domain: the region serves it); 10.45.0.53 = ns1
 *   ├─ 10.45.1.0/24 allocated to Nanning (nanning.… serves it)
 *   │   ├─ 10.45.1.0/26 assigned to a Nanning department without a domain: RFC 2317, served by Nanning
 *   │   └─ 10.45.1.64/27 assigned to a Nanning department with its own domain: RFC 2317, served by it
 *   ├─ 10.45.2.0/24 allocated to Liuzhou (no domain: the region serves it)
 *   └─ 10.45.16.0/20 allocated to Nanning: sixteen /24 zones
 *       └─ 10.45.17.0/24 allocated to Xingning county (xingning.… serves it)
 *   2001:db8:45::/48 pool, region
 *   ├─ 2001:db8:45:100::/56 allocated to Nanning
 *   │   └─ 2001:db8:45:100::/64 assigned to the Nanning department without a domain; ::10 = www
 *   └─ 2001:db8:45:200::/56 allocated to Liuzhou
 */
export async function buildReverseTree(t: TestApp, chain: Chain, suffix: string) {
  const call = async (method: string, path: string, body: object, token?: string) => {
    const reply = await t.call(method, path, { body, token });
    expect(reply.status, `${method} ${path}: ${reply.text}`).toBe(201);
    return reply.body;
  };
  const department = async (code: string, name: string, parent: string) => call('POST', '/api/v1/units', { code, name, parent, kind: 'department' });
  await department('REV-GX-XXZX', '自治区信息中心', '450000');
  await department('REV-NN-A', '南宁市某局', '450100');
  await department('REV-NN-DSJ', '南宁市大数据局', '450100');
  const dsj = await call(
    'POST',
    `/api/v1/domains/${chain.city.id}/delegate`,
    { label: 'dsj', holder: 'REV-NN-DSJ', nameservers: [{ name: `ns1.dsj.nanning.${suffix}`, addresses: ['10.45.1.67'] }] },
    chain.cityOp,
  );
  const prefix = (cidr: string, holder: string, status?: string, token?: string) =>
    call('POST', '/api/v1/prefixes', { vrf: 'public', cidr, holder, ...(status ? { status } : {}), description: `reverse ${cidr}` }, token);
  const v4 = await prefix('10.45.0.0/16', '450000');
  const regionHosts = await prefix('10.45.0.0/24', 'REV-GX-XXZX', 'assigned');
  const nanning24 = await prefix('10.45.1.0/24', '450100', 'allocated');
  const dept26 = await prefix('10.45.1.0/26', 'REV-NN-A', 'assigned', chain.cityOp);
  const dsj27 = await prefix('10.45.1.64/27', 'REV-NN-DSJ', 'assigned', chain.cityOp);
  const liuzhou24 = await prefix('10.45.2.0/24', '450200', 'allocated');
  const nanning20 = await prefix('10.45.16.0/20', '450100', 'allocated');
  const xingning24 = await prefix('10.45.17.0/24', '450102', 'allocated', chain.cityOp);
  const v6 = await prefix('2001:db8:45::/48', '450000');
  const nanning56 = await prefix('2001:db8:45:100::/56', '450100', 'allocated');
  const dept64 = await prefix('2001:db8:45:100::/64', 'REV-NN-A', 'assigned', chain.cityOp);
  const liuzhou56 = await prefix('2001:db8:45:200::/56', '450200', 'allocated');
  const host = (p: { id: string }, address: string, hostname: string, token?: string) => call('POST', `/api/v1/prefixes/${p.id}/addresses`, { address, hostname }, token);
  await host(regionHosts, '10.45.0.53', `ns1.${suffix}`);
  await host(regionHosts, '10.45.0.54', `ns2.${suffix}`);
  await host(dept26, '10.45.1.10', `www.nanning.${suffix}`, chain.cityOp);
  await host(dept26, '10.45.1.11', '', chain.cityOp);
  await host(dsj27, '10.45.1.66', `portal.dsj.nanning.${suffix}`, chain.cityOp);
  await host(dsj27, '10.45.1.67', `ns1.dsj.nanning.${suffix}`, chain.cityOp);
  await host(dept64, '2001:db8:45:100::10', `www.nanning.${suffix}`, chain.cityOp);
  return { dsj, v4, regionHosts, nanning24, dept26, dsj27, liuzhou24, nanning20, xingning24, v6, nanning56, dept64, liuzhou56 };
}

/**
 * RFC 2317 twice (issue 13 item 6), on top of `buildReverseTree`:
 *
 *   10.45.3.0/24 allocated to Nanning, under the region's /16 pool
 *   └─ 10.45.3.64/26 allocated to Xingning county: classless zone 64/26.3.45.10.in-addr.arpa
 *       └─ 10.45.3.64/27 assigned to a county department without a domain: its zone is named
 *          inside the /26's, 64/27.64/26.3.45.10.in-addr.arpa; 10.45.3.70 = www.xingning…
 */
export async function buildNestedClassless(t: TestApp, chain: Chain, suffix: string) {
  const call = async (method: string, path: string, body: object, token?: string) => {
    const reply = await t.call(method, path, { body, token });
    expect(reply.status, `${method} ${path}: ${reply.text}`).toBe(201);
    return reply.body;
  };
  await call('POST', '/api/v1/units', { code: 'REV-XN-A', name: '兴宁区某局', parent: '450102', kind: 'department' });
  const prefix = (cidr: string, holder: string, status: string, token?: string) => call('POST', '/api/v1/prefixes', { vrf: 'public', cidr, holder, status, description: `nested ${cidr}` }, token);
  const nanning24 = await prefix('10.45.3.0/24', '450100', 'allocated');
  const county26 = await prefix('10.45.3.64/26', '450102', 'allocated', chain.cityOp);
  const dept27 = await prefix('10.45.3.64/27', 'REV-XN-A', 'assigned', chain.countyOp);
  await call('POST', `/api/v1/prefixes/${dept27.id}/addresses`, { address: '10.45.3.70', hostname: `www.xingning.nanning.${suffix}` }, chain.countyOp);
  return { nanning24, county26, dept27 };
}
