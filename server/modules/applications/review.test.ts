import { describe, expect, it } from 'vitest';
import { Problem } from '../../http/problem.js';
import { agreementText } from './agreement-text.js';
import { deriveReviewer, filedWith, prefixLengthFor } from './review.js';

const region = { code: '450000', name: '广西壮族自治区', kind: 'division', level: 'region' } as const;
const city = { code: '450100', name: '南宁市', kind: 'division', level: 'city' } as const;
const county = { code: '450102', name: '兴宁区', kind: 'division', level: 'county' } as const;
const township = { code: '450102001', name: '某街道', kind: 'division', level: 'township' } as const;
const dept = (level: 'region' | 'city' | 'county' | 'township') => ({ code: 'D1', name: '某局', kind: 'department', level }) as const;

describe('the reviewer, derived by the rules', () => {
  it('a department applies to its own division’s O&M unit', () => {
    expect(deriveReviewer('access', dept('city'), [city, region])).toEqual({ reviewer: '450100', adminReview: false });
    expect(deriveReviewer('ip', dept('county'), [county, city, region])).toEqual({ reviewer: '450102', adminReview: false });
  });

  it('a township-level applicant goes to the county (article 21)', () => {
    expect(deriveReviewer('domain', township, [county, city, region]).reviewer).toBe('450102');
    expect(deriveReviewer('access', dept('township'), [township, county, city, region]).reviewer).toBe('450102');
  });

  it('a lower O&M unit asking for space or names asks the level above', () => {
    expect(deriveReviewer('ip', county, [city, region]).reviewer).toBe('450100');
    expect(deriveReviewer('domain', city, [region]).reviewer).toBe('450000');
  });

  it('plans go up one level; the region’s to the admin', () => {
    expect(deriveReviewer('plan', county, [city, region])).toEqual({ reviewer: '450100', adminReview: false });
    expect(deriveReviewer('plan', city, [region])).toEqual({ reviewer: '450000', adminReview: false });
    expect(deriveReviewer('plan', region, [])).toEqual({ reviewer: '450000', adminReview: true });
  });

  it('the region information center applies to nobody for space', () => {
    expect(() => deriveReviewer('ip', region, [])).toThrow(Problem);
  });

  it('only an approved county plan is filed with the region', () => {
    expect(filedWith('plan', county, [city, region])).toBe('450000');
    expect(filedWith('plan', city, [region])).toBeNull();
    expect(filedWith('ip', county, [city, region])).toBeNull();
  });

  it('an address count rounds up to a block', () => {
    expect(prefixLengthFor(256)).toBe(24);
    expect(prefixLengthFor(300)).toBe(23);
    expect(prefixLengthFor(1)).toBe(32);
  });
});

describe('the agreement text', () => {
  it('names the parties, the requirements, the article 19 duties and the responsible person', () => {
    const text = agreementText({
      applicationId: 7,
      applicant: { code: 'D1', name: '南宁市不动产登记中心' },
      operator: { code: '450100', name: '南宁市' },
      bandwidthMbps: 100,
      securityLevel: 3,
      details: { zones: ['public'], systems: [{ name: '不动产登记系统' }], boundaryResponsible: { name: '韦工', phone: '0771-5550000' }, contact: { name: '李明', phone: '0771-5551234' } },
      approvedOn: '2026-12-10',
    });
    for (const part of ['南宁市不动产登记中心', '南宁市（450100）', '100 Mbps', '第三级', '不动产登记系统', '公用网络区', '不得擅自移动、挪用、改造、破坏', '韦工，联系电话 0771-5550000', '非政务外网业务', '涉密', '2026-12-10']) {
      expect(text).toContain(part);
    }
  });
});
