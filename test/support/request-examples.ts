/**
 * Well-formed requests for every endpoint of the OpenAPI document: one valid body (or several,
 * for fields that exclude each other) per JSON write endpoint, and path and query values that
 * pass validation. The generated bad-input suites (test/integration/bad-input.test.ts,
 * test/resilience/bad-input-corpus.test.ts) spoil one part of them at a time. The bodies only
 * need to pass validation: ids need not exist. A new endpoint without an entry here fails
 * bad-input.test.ts.
 */

export type Schema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: boolean | Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};
export type Parameter = { name: string; in: string; required?: boolean; schema?: Schema };
export type Operation = { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> } };
export type OpenApiDocument = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };

const pem = ['-----BEGIN OPENSSH PRIVATE KEY-----', 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW', '-----END OPENSSH PRIVATE KEY-----'].join('\n');
const channels = { hotline: '0771-1234567', email: 'ops@nanning.gx.invalid', website: 'https://nanning.gx.invalid/', wechat: 'nanning-gov' };
const nameservers = [{ name: 'ns1.bad-input.example', addresses: ['10.0.0.53'] }];
const soa = { rname: 'hostmaster@bad-input.example', refresh: 3600 };
const deviceBody = {
  hostname: 'bad-input-pe-01',
  room: '1',
  role: 'pe',
  vendor: 'huawei',
  dialect: 'huawei-vrp',
  model: 'NE40E-X8',
  serial: '2102351234',
  mgmtAddress: '10.45.0.10',
  mgmtVrf: 'public',
  ownerUnit: '450100',
  responsible: { name: '韦工', phone: '0771-5550000' },
  interfaces: [{ name: 'GigabitEthernet0/0/1', address: '10.1.2.1/30' }],
  snmp: { agent: 'agent-bad-input', version: '3', port: 161, user: 'poller', authProtocol: 'SHA', authKey: 'auth-key-123', privProtocol: 'AES', privKey: 'priv-key-123' },
  ssh: { agent: 'agent-bad-input', port: 22, username: 'netops', password: 'ssh-password-1', hostKeySha256: `SHA256:${'A'.repeat(43)}` },
};
const deviceVariant = { ...deviceBody, snmp: { version: '2c', community: 'public-community' }, ssh: { username: 'netops', privateKey: pem, passphrase: 'key-passphrase' } };
const linkBody = { name: '南宁—兴宁 专线', aDevice: '1', aInterface: 'GigabitEthernet0/0/1', zDevice: '2', zInterface: 'GigabitEthernet0/0/2', capacityMbps: 100, payingUnit: '450102', circuitId: 'GX-001', carrier: '中国电信' };

const deviceCheckBody = {
  device: '1',
  at: '2025-01-06T08:00:00+08:00',
  method: 'ssh',
  status: 'ok',
  detail: 'checked',
  hostKeySha256: `SHA256:${'A'.repeat(43)}`,
  identity: { sysName: 'nn-boundary-01', serial: '2102351931P0K8000123', sysObjectID: '1.3.6.1.4.1.2011.2.23.96' },
  interfaces: [{ name: 'GigabitEthernet0/0/1', address: '10.1.2.1/30' }],
  neighbors: [{ localIf: 'GigabitEthernet0/0/1', remoteSysName: 'nn-pe-01', remoteIf: 'GigabitEthernet1/0/0' }],
  configSha256: 'a'.repeat(64),
  config: 'sysname nn-boundary-01',
};

/**
 * One valid body (or several, for fields that exclude each other) per JSON write endpoint. The
 * bodies only need to pass validation: the text check runs before any verb, so ids need not exist.
 * A new endpoint without an entry here fails test/integration/bad-input.test.ts.
 */
export const examples: Record<string, object[]> = {
  'POST /api/v1/units': [
    { code: 'BAD-INPUT-1', name: '坏输入测试局', parent: '450100', kind: 'department', channels },
    { code: '450199', name: '坏输入区', parent: '450100', kind: 'division', type: 'district' },
  ],
  'PATCH /api/v1/units/{code}': [{ name: '坏输入测试局', channels }],
  'POST /api/v1/domains': [{ name: 'bad-input.example', holder: '450000', nameservers, soa }],
  'PATCH /api/v1/domains/{id}': [{ nameservers, soa }],
  'POST /api/v1/domains/{id}/delegate': [{ label: 'nanning', holder: '450100', nameservers, soa }],
  'POST /api/v1/domains/{id}/records': [{ name: 'www', type: 'TXT', value: 'v=spf1 -all' }],
  'POST /api/v1/users': [{ username: 'bad-input-user', displayName: '坏输入', unit: '450100', role: 'operator', password: 'a-long-password' }],
  'POST /api/v1/users/{username}/tokens': [{ expiresAt: '2030-01-01T00:00:00+08:00' }],
  'POST /api/v1/users/{username}/password': [{ currentPassword: 'the-old-password', newPassword: 'a-new-longer-password' }],
  'POST /api/v1/vrfs': [{ name: 'bad-input-vpn', zone: 'dedicated', description: '专网 VPN' }],
  'POST /api/v1/prefixes': [{ vrf: 'public', cidr: '10.99.0.0/16', holder: '450100', status: 'allocated', description: '南宁' }],
  'PATCH /api/v1/prefixes/{id}': [{ description: '南宁', status: 'reserved' }],
  'POST /api/v1/prefixes/{id}/allocate': [{ prefixLength: 24, holder: '450102', status: 'allocated', strategy: 'first', description: '兴宁' }],
  'POST /api/v1/prefixes/{id}/addresses': [{ address: '10.99.0.10', holder: '450100', hostname: 'www.nanning', description: 'web' }],
  'POST /api/v1/rooms': [{ name: '南宁机房', unit: '450100', address: '南宁市青秀区民族大道 1 号' }],
  'PATCH /api/v1/rooms/{id}': [{ name: '南宁机房', address: '南宁市青秀区民族大道 1 号' }],
  'POST /api/v1/devices': [deviceBody, deviceVariant],
  'PATCH /api/v1/devices/{id}': [deviceBody, deviceVariant],
  'POST /api/v1/links': [linkBody],
  'PATCH /api/v1/links/{id}': [{ name: linkBody.name, payingUnit: '450102', circuitId: 'GX-001', carrier: '中国电信' }],
  'POST /api/v1/webhooks': [{ unit: '450100', url: 'https://ops.nanning.gx.invalid/events', secret: 'a-signing-secret-of-some-length', events: ['incident.opened'] }],
  'PATCH /api/v1/webhooks/{id}': [{ url: 'https://ops.nanning.gx.invalid/events', secret: 'a-signing-secret-of-some-length', events: ['incident.opened'] }],
  'POST /api/v1/readings': [
    { readings: [{ device: '1', ifName: 'GigabitEthernet0/0/1', at: '2025-01-06T08:00:00+08:00', sysUpTime: 100, inOctets: '1000', outOctets: '2000', counterBits: 64, operStatus: 'up' }] },
  ],
  'PUT /api/v1/policies/expansion': [{ percentile: 95, thresholdPercent: 80, windowDays: 7, targetPercent: 60 }],
  'POST /api/v1/expansion-requests/{id}/decision': [{ decision: 'approve', opinion: '同意扩容' }],
  'POST /api/v1/findings/{id}/resolve': [{ comment: '已核实' }],
  'POST /api/v1/devices/{id}/baseline': [{ comment: '变更单 2026-118 已核实' }],
  'POST /api/v1/device-checks': [deviceCheckBody],
  'POST /api/v1/device-checks/batch': [{ checks: [deviceCheckBody] }],
  'POST /api/v1/applications': [
    {
      type: 'access',
      applicant: 'BAD-INPUT-1',
      zones: ['public'],
      bandwidthMbps: 100,
      securityLevel: 3,
      secrecyCheck: { done: true, classified: false },
      systems: [{ name: '不动产登记系统' }],
      contact: { name: '李明', phone: '0771-5551234' },
      boundaryResponsible: { name: '韦工', phone: '0771-5550000' },
      coApplicants: ['450102'],
    },
    { type: 'ip', applicant: '450102', ip: { vrf: 'public', prefixLength: 24 }, contact: { name: '李明', phone: '0771-5551234' } },
    { type: 'domain', applicant: '450102', domain: { parentId: '1', label: 'xingning', nameservers }, contact: { name: '李明', phone: '0771-5551234' } },
    { type: 'plan', applicant: '450102', plan: { title: '扩容方案', scope: '县级链路扩容', document: '一、现状', expansionRequestId: '1' }, contact: { name: '李明', phone: '0771-5551234' } },
  ],
  'POST /api/v1/applications/{id}/decision': [{ decision: 'approve', opinion: '同意', pool: '1' }],
  'POST /api/v1/agreements/{id}/signatures': [{ party: 'applicant', signerName: '李明' }],
  'POST /api/v1/migrations': [{ network: '教育业务专网', owner: 'BAD-INPUT-1', vrf: 'bad-input-vpn', plannedOn: '2027-06-30', note: '分两批迁移' }],
  'PATCH /api/v1/migrations/{id}': [{ network: '教育业务专网', vrf: 'bad-input-vpn', plannedOn: '2027-06-30', status: 'migrated', migratedOn: '2026-11-30', note: '已完成' }],
  'POST /api/v1/website-filings': [{ siteName: '南宁市教育局门户', domain: 'www.edu.nanning.gx.example', addresses: ['10.45.1.80'], responsible: 'BAD-INPUT-1', responsibleName: '李明', responsiblePhone: '0771-5551234', filingNumber: '桂政网备 2026-0001', filedOn: '2026-11-20', assistingUnit: '450100', assistance: '协助核对域名和地址' }],
  'PATCH /api/v1/website-filings/{id}': [{ siteName: '南宁市教育局门户', domain: 'www.edu.nanning.gx.example', addresses: ['10.45.1.80'], responsible: 'BAD-INPUT-1', responsibleName: '李明', responsiblePhone: '0771-5551234', filingNumber: '桂政网备 2026-0001', filedOn: '2026-11-20', assistingUnit: '450100', assistance: '协助核对域名和地址' }],
  'PUT /api/v1/emergency-plans/{code}': [{ title: '南宁市电子政务外网突发事件应急预案', revisedOn: '2026-06-30' }],
  'POST /api/v1/drills': [{ unit: '450100', heldOn: '2026-11-20', scenario: '城域网核心链路中断', findings: '备用链路切换耗时 8 分钟' }],
  'POST /api/v1/incidents/{id}/severity': [{ severity: 'major', comment: '市级核心节点中断，影响全市接入' }],
  'POST /api/v1/incidents/{id}/acknowledge': [{ comment: '已收到，正在处置' }],
  'POST /api/v1/incidents/{id}/notes': [{ comment: '已安排运营商抢修' }],
  'POST /api/v1/incidents': [
    { kind: 'operator_reported', unit: '450102', title: '兴宁区汇聚机房市电中断', description: '市电中断，UPS 供电约 2 小时', severity: 'major', occurredAt: '2026-01-06T08:00:00+08:00', device: '1', link: '1' },
    { kind: 'operator_reported', unit: '450102', title: '光缆中断' },
  ],
  'POST /api/v1/incidents/{id}/resolve': [{ comment: '市电已恢复，设备运行正常' }],
  'PUT /api/v1/calendar/{year}': [
    {
      $schema: 'https://raw.githubusercontent.com/NateScarlet/holiday-cn/master/schema.json',
      $id: 'https://raw.githubusercontent.com/NateScarlet/holiday-cn/master/2027.json',
      year: 2027,
      papers: ['https://www.gov.cn/zhengce/content/notice.htm'],
      days: [{ name: '元旦', date: '2027-01-01', isOffDay: true }],
    },
  ],
};

/** Path parameters of a well-formed request (the values only need to pass validation). */
export const pathValues: Record<string, string> = { year: '2027', id: '1', code: '450100', username: 'admin', name: '0.45.10.in-addr.arpa', address: '10.45.0.1', length: '24' };
/** Required query parameters of a well-formed request. */
export const queryValues: Record<string, string> = { device: '1', from: '2026-09-30', days: '3', year: '2026', level: 'county' };

export const urlOf = (path: string, params: Record<string, string> = {}) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? pathValues[name]));

