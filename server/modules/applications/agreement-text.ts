/**
 * The access agreement (接入协议) in Chinese, generated from the approved application: the
 * parties, the network requirements, and the duties article 19 puts on the connecting unit —
 * the boundary device stays where it is and as it is unless the O&M unit consents (不得擅自
 * 移动、挪用、改造、破坏), a designated person answers for it (指定专人), no business other
 * than the extranet's runs on it, and the secrecy obligations (no classified information on the
 * extranet) — with the responsible person's name and phone. Pure: the same application gives
 * the same text, so what both parties sign is what the registry shows.
 */
import type { ApplicationDetails } from './schema.js';

export interface AgreementFacts {
  applicationId: number;
  applicant: { code: string; name: string };
  operator: { code: string; name: string };
  bandwidthMbps: number | null;
  securityLevel: number | null;
  details: ApplicationDetails;
  /** The approval date, YYYY-MM-DD (Asia/Shanghai). */
  approvedOn: string;
}

const zoneNames: Record<string, string> = { public: '公用网络区', dedicated: '专用网络区', internet: '互联网接入区' };
const levelNames = ['', '第一级', '第二级', '第三级', '第四级', '第五级'];

export function agreementText(f: AgreementFacts): string {
  const d = f.details;
  const zones = (d.zones ?? []).map((z) => zoneNames[z] ?? z).join('、') || '公用网络区';
  const systems = (d.systems ?? []).map((s) => s.name).join('、') || '（未列明）';
  const responsible = d.boundaryResponsible ?? { name: '（未指定）', phone: '（未提供）' };
  const contact = d.contact ?? { name: '（未指定）', phone: '（未提供）' };
  const lines = [
    '广西电子政务外网接入协议',
    '',
    `协议编号：WW-JR-${String(f.applicationId).padStart(6, '0')}`,
    `甲方（建设运维单位）：${f.operator.name}（${f.operator.code}）`,
    `乙方（接入单位）：${f.applicant.name}（${f.applicant.code}）`,
    '',
    `根据《广西政务信息化项目运维管理办法》第十九条，乙方向甲方申请接入电子政务外网，甲方于 ${f.approvedOn} 审核同意（申请编号 ${f.applicationId}）。双方约定如下：`,
    '',
    '第一条 接入需求',
    `（一）接入功能域：${zones}；`,
    `（二）接入带宽：${f.bandwidthMbps ?? 0} Mbps；`,
    ...(d.compute ? [`（三）计算资源：${d.compute.vcpu} 个 vCPU，内存 ${d.compute.memoryGiB} GiB；存储 ${d.storageGiB ?? 0} GiB；`] : []),
    `（${d.compute ? '四' : '三'}）等级保护级别：${f.securityLevel ? levelNames[f.securityLevel] : '（未列明）'}；`,
    `（${d.compute ? '五' : '四'}）接入系统：${systems}。`,
    '',
    '第二条 甲方责任',
    '（一）按本协议为乙方提供电子政务外网接入和相关运维服务；',
    '（二）对乙方接入情况进行技术监测，发现安全问题及时通知乙方并协助处置；',
    '（三）对变更乙方边界设备的申请在十五个工作日内提出审核意见。',
    '',
    '第三条 乙方责任',
    '（一）未经甲方同意，乙方不得擅自移动、挪用、改造、破坏与电子政务外网对接的边界设备，边界设备保持在原位置和原配置；',
    `（二）乙方指定专人负责边界设备的日常管理：${responsible.name}，联系电话 ${responsible.phone}；人员变更时及时书面告知甲方；`,
    '（三）不得利用电子政务外网资源开展非政务外网业务；',
    '（四）履行保密义务：已对接入系统进行涉密性质安全保密检查，不得在电子政务外网上存储、处理、传输涉及国家秘密的信息，不得将涉密信息系统接入电子政务外网；',
    '（五）落实网络安全等级保护要求，发生安全事件时立即报告甲方。',
    '',
    '第四条 联系人',
    `乙方联系人：${contact.name}，联系电话 ${contact.phone}。`,
    '',
    '第五条 生效',
    '本协议经甲乙双方签署后生效。',
    '',
    `甲方（签章）：${f.operator.name}`,
    `乙方（签章）：${f.applicant.name}`,
  ];
  return lines.join('\n');
}
