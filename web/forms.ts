import type { z } from 'zod';
import { Problem } from '../server/http/problem.js';
import type { SubmitApplicationInput } from '../server/modules/applications/inputs.js';

/**
 * The application form's fields (flat names, as an HTML form posts them) turned into the API's
 * body, so that the form goes through the same zod schema and the same verb as POST
 * /api/v1/applications; and the schema's refusals turned back into Chinese sentences next to
 * the field they concern.
 */
export type Form = Record<string, string>;
export type FieldErrors = Record<string, string>;

/** '' is "not given"; anything else is handed to zod as a number (NaN when it is none: zod says so). */
const num = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : Number(v.trim()));
const text = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());
const lines = (v: string | undefined) =>
  (v ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);

export function applicationBody(form: Form, checked: (name: string) => boolean): Record<string, unknown> {
  const type = form.type;
  const body: Record<string, unknown> = { type, applicant: form.applicant };
  const person = (prefix: string) => (text(form[`${prefix}Name`]) || text(form[`${prefix}Phone`]) ? { name: form[`${prefix}Name`] ?? '', phone: form[`${prefix}Phone`] ?? '' } : undefined);
  body.contact = person('contact');
  const co = (form.coApplicants ?? '').split(/[\s,，、]+/).filter(Boolean);
  if (co.length) body.coApplicants = co;
  if (type === 'access' || type === 'deployment') {
    const zones = ['public', 'dedicated', 'internet'].filter((z) => checked(`zone_${z}`));
    if (zones.length) body.zones = zones;
    body.bandwidthMbps = num(form.bandwidthMbps);
    body.securityLevel = num(form.securityLevel);
    body.secrecyCheck = { done: checked('secrecyDone'), classified: checked('secrecyClassified') };
    body.systems = lines(form.systems).map((name) => ({ name }));
    body.boundaryResponsible = person('boundary');
  }
  if (type === 'deployment') {
    body.compute = num(form.vcpu) === undefined && num(form.memoryGiB) === undefined ? undefined : { vcpu: num(form.vcpu), memoryGiB: num(form.memoryGiB) };
    body.storageGiB = num(form.storageGiB);
  }
  if (type === 'ip') body.ip = { vrf: form.vrf || 'public', prefixLength: num(form.prefixLength) };
  if (type === 'domain') {
    body.domain = {
      parentId: form.parentId ?? '',
      label: form.label ?? '',
      nameservers: lines(form.nameservers).map((l) => {
        const [name, ...addresses] = l.split(/\s+/);
        return addresses.length ? { name, addresses } : { name };
      }),
    };
  }
  if (type === 'plan') body.plan = { title: form.planTitle ?? '', scope: form.planScope ?? '', document: form.planDocument ?? '' };
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  return body;
}

/** The form field a body path belongs to (the API's `contact.phone` is the form's `contactPhone`). */
const fieldOfPath: Record<string, string> = {
  'contact.name': 'contactName',
  'contact.phone': 'contactPhone',
  contact: 'contactName',
  'boundaryResponsible.name': 'boundaryName',
  'boundaryResponsible.phone': 'boundaryPhone',
  boundaryResponsible: 'boundaryName',
  'secrecyCheck.done': 'secrecyDone',
  'secrecyCheck.classified': 'secrecyClassified',
  secrecyCheck: 'secrecyDone',
  'compute.vcpu': 'vcpu',
  'compute.memoryGiB': 'memoryGiB',
  compute: 'vcpu',
  'ip.vrf': 'vrf',
  'ip.prefixLength': 'prefixLength',
  ip: 'prefixLength',
  'domain.parentId': 'parentId',
  'domain.label': 'label',
  'domain.nameservers': 'nameservers',
  domain: 'label',
  'plan.title': 'planTitle',
  'plan.scope': 'planScope',
  'plan.document': 'planDocument',
  plan: 'planTitle',
};

export function formField(path: string): string {
  const trimmed = path.replace(/\.\d+(\..*)?$/, '');
  return fieldOfPath[path] ?? fieldOfPath[trimmed] ?? trimmed.split('.')[0];
}

/** What a clerk reads next to each field (GB/T-style wording of the regulation's article 19). */
const chinese: Record<string, string> = {
  type: '请选择申请类型。',
  applicant: '申请单位代码有误。',
  zones: '请选择要接入的功能域。',
  bandwidthMbps: '请填写所需带宽（Mbps），为 0 或正整数。',
  securityLevel: '请选择等级保护级别（1 至 5 级）。',
  secrecyDone: '必须确认已对接入系统完成涉密性质安全保密检查。',
  secrecyClassified: '电子政务外网不得承载涉密系统：声明为涉密的系统不能申请接入。',
  systems: '请至少填写一个接入的系统名称（每行一个）。',
  contactName: '请填写联系人姓名。',
  contactPhone: '请填写有效的联系电话（数字，可含 +、-、空格、括号）。',
  boundaryName: '请填写边界设备指定责任人姓名。',
  boundaryPhone: '请填写边界设备责任人的有效电话。',
  coApplicants: '联合申请单位代码有误。',
  vcpu: '请填写所需 vCPU 数（0 或正整数）。',
  memoryGiB: '请填写所需内存（GiB，0 或正数）。',
  storageGiB: '请填写所需存储（GiB，0 或正数）。',
  vrf: '请填写 VRF 名称。',
  prefixLength: '请填写前缀长度（例如 IPv4 的 24）。',
  parentId: '请填写上级域名的编号。',
  label: '请填写要申请的域名标签。',
  nameservers: '请至少填写一个域名服务器（每行：名称 地址）。',
  planTitle: '请填写方案标题。',
  planScope: '请填写方案范围。',
  planDocument: '请填写方案正文。',
};

export function zodErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const field = formField(issue.path.join('.'));
    out[field] ??= chinese[field] ?? `此项有误：${issue.message}`;
  }
  return out;
}

/** A verb's refusal that names a field (`extra.field`) goes next to it; others go on top of the form. */
export function problemErrors(problem: Problem): FieldErrors {
  const path = typeof problem.extra.field === 'string' ? problem.extra.field : undefined;
  if (!path) return { _form: problem.detail };
  const field = formField(path);
  return { [field]: chinese[field] ?? problem.detail };
}

export type { SubmitApplicationInput };
