import { ciscoIos } from './cisco-ios.js';
import { h3cComware } from './h3c-comware.js';
import { huaweiVrp } from './huawei-vrp.js';
import type { Dialect, DialectName } from './types.js';

export const dialects: Record<DialectName, Dialect> = {
  'huawei-vrp': huaweiVrp,
  'h3c-comware': h3cComware,
  'cisco-ios': ciscoIos,
};
