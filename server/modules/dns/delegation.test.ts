import { describe, expect, it } from 'vitest';
import { delegationRefusal } from './delegation.js';

const unit = (code: string, kind: 'division' | 'department', level: 'region' | 'city' | 'county' | 'township', parentCode: string | null, path: string) => ({
  code,
  name: code,
  kind,
  level,
  parentCode,
  path,
});
const region = unit('450000', 'division', 'region', null, '/450000/');
const city = unit('450100', 'division', 'city', '450000', '/450000/450100/');
const county = unit('450102', 'division', 'county', '450100', '/450000/450100/450102/');
const township = unit('450102002', 'division', 'township', '450102', '/450000/450100/450102/450102002/');
const otherCity = unit('450200', 'division', 'city', '450000', '/450000/450200/');
const cityDept = unit('DEPT-NN', 'department', 'city', '450100', '/450000/450100/DEPT-NN/');

describe('the delegation rule for domains (article 21)', () => {
  it('lets names move one level down, and to departments of the holder’s own division', () => {
    expect(delegationRefusal(region, city)).toBeNull();
    expect(delegationRefusal(city, county)).toBeNull();
    expect(delegationRefusal(county, township)).toBeNull();
    expect(delegationRefusal(city, cityDept)).toBeNull();
  });

  it('refuses skipping a level, going sideways or up, other divisions’ departments and delegating from a department', () => {
    expect(delegationRefusal(region, township)).toMatch(/one level at a time.*delegate to 450102 first/);
    expect(delegationRefusal(region, county)).toMatch(/one level at a time/);
    expect(delegationRefusal(otherCity, county)).toMatch(/never sideways/);
    expect(delegationRefusal(county, city)).toMatch(/never sideways or up/);
    expect(delegationRefusal(region, cityDept)).toMatch(/its own division/);
    expect(delegationRefusal(cityDept, city)).toMatch(/not delegated further/);
    expect(delegationRefusal(city, city)).toMatch(/already holds/);
  });
});
