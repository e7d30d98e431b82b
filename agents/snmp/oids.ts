// The numeric OIDs the agent reads (Debian ships no MIB files; names are for people).
export const oid = {
  sysObjectID: '1.3.6.1.2.1.1.2.0',
  sysUpTime: '1.3.6.1.2.1.1.3.0',
  sysName: '1.3.6.1.2.1.1.5.0',
  // IF-MIB ifTable (32-bit) and ifXTable (64-bit), by column; the instance is the ifIndex.
  ifSpeed: '1.3.6.1.2.1.2.2.1.5',
  ifOperStatus: '1.3.6.1.2.1.2.2.1.8',
  ifInOctets: '1.3.6.1.2.1.2.2.1.10',
  ifOutOctets: '1.3.6.1.2.1.2.2.1.16',
  ifName: '1.3.6.1.2.1.31.1.1.1.1',
  ifHCInOctets: '1.3.6.1.2.1.31.1.1.1.6',
  ifHCOutOctets: '1.3.6.1.2.1.31.1.1.1.10',
  ifHighSpeed: '1.3.6.1.2.1.31.1.1.1.15',
  // ENTITY-MIB entPhysicalTable: the chassis is the entry whose class is chassis(3).
  entPhysicalClass: '1.3.6.1.2.1.47.1.1.1.1.5',
  entPhysicalSerialNum: '1.3.6.1.2.1.47.1.1.1.1.11',
} as const;

export const chassisClass = 3n;

/** IF-MIB ifOperStatus values (RFC 2863), as the readings name them. */
export const operStatusNames: Record<string, 'up' | 'down' | 'testing' | 'unknown' | 'dormant' | 'notPresent' | 'lowerLayerDown'> = {
  '1': 'up',
  '2': 'down',
  '3': 'testing',
  '4': 'unknown',
  '5': 'dormant',
  '6': 'notPresent',
  '7': 'lowerLayerDown',
};
