import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadAgentConfig } from './config.js';

describe('agent configuration', () => {
  it('defaults, then the file, then the environment, then the command line', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'waiwang-cfg-')), 'agent.json');
    fs.writeFileSync(file, JSON.stringify({ server: 'http://file:8080', token: 'file-token', concurrency: 8, timeoutMs: 1500, communityFallback: 'x' }));
    const config = loadAgentConfig('snmp', ['--once', '--config', file], { WAIWANG_AGENT_TOKEN: 'env-token', WAIWANG_AGENT_CONCURRENCY: '4' });
    expect(config).toMatchObject({
      agent: 'snmp',
      server: 'http://file:8080',
      token: 'env-token',
      concurrency: 4,
      timeoutMs: 1500,
      spoolDir: path.join('.', 'spool', 'snmp'),
      intervalSeconds: null,
      metricsPort: null,
      once: true,
    });
    expect(config.file.communityFallback).toBe('x');
  });

  it('says what is missing or wrong in one sentence', () => {
    expect(() => loadAgentConfig('ssh', [], {})).toThrow(/WAIWANG_SERVER/);
    expect(() => loadAgentConfig('ssh', [], { WAIWANG_SERVER: 'http://s' })).toThrow(/WAIWANG_AGENT_TOKEN/);
    expect(() => loadAgentConfig('ssh', [], { WAIWANG_SERVER: 'not a url', WAIWANG_AGENT_TOKEN: 't' })).toThrow(ConfigError);
    expect(() => loadAgentConfig('ssh', [], { WAIWANG_SERVER: 'http://s', WAIWANG_AGENT_TOKEN: 't', WAIWANG_AGENT_CONCURRENCY: '0' })).toThrow(/≥ 1/);
    expect(() => loadAgentConfig('ssh', ['--fast'], { WAIWANG_SERVER: 'http://s', WAIWANG_AGENT_TOKEN: 't' })).toThrow(/unknown argument/);
  });
});
