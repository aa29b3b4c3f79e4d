import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { ConfigError, DEFAULT_CONFIG } from '../../../src/config/schema.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hes-config-'));
const file = (name: string, text: string): string => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('configuration', () => {
  it('defaults validate and the shipped config/default.json equals them', () => {
    expect(loadConfig({ env: {} })).toEqual(DEFAULT_CONFIG);
    expect(loadConfig({ file: path.resolve(import.meta.dirname, '../../../config/default.json'), env: {} })).toEqual(DEFAULT_CONFIG);
  });

  it('file values and environment overrides apply in that order', () => {
    const f = file('a.json', JSON.stringify({ meter: { retries: 5 }, demo: { meters: 10 } }));
    const c = loadConfig({ file: f, env: { HES_METER_RETRIES: '1', HES_LOG_LEVEL: 'debug', HES_METER_REPLY_TIMEOUT_MS: '900' } });
    expect(c.meter.retries).toBe(1);
    expect(c.meter.replyTimeoutMs).toBe(900);
    expect(c.demo.meters).toBe(10);
    expect(c.log.level).toBe('debug');
  });

  it('a digit-only value of a text setting stays text', () => {
    const c = loadConfig({ env: { HES_FEP_PW: '00000000000000000000000000000000', HES_FEP_PORT: '9400' } });
    expect(c.fep.pw).toBe('00000000000000000000000000000000');
    expect(c.fep.port).toBe(9400);
  });

  it('a boolean setting takes true/false, 1/0, yes/no, on/off from the environment; other text is refused by name', () => {
    expect(loadConfig({ env: { HES_SCHEDULER_ENABLED: 'false' } }).scheduler.enabled).toBe(false);
    expect(loadConfig({ env: { HES_SCHEDULER_ENABLED: 'Off' } }).scheduler.enabled).toBe(false);
    expect(loadConfig({ env: { HES_SCHEDULER_ENABLED: '1' } }).scheduler.enabled).toBe(true);
    expect(() => loadConfig({ env: { HES_SCHEDULER_ENABLED: 'maybe' } })).toThrow(/scheduler\.enabled/);
  });

  it('lists every problem with its path, including typos', () => {
    const f = file('bad.json', JSON.stringify({ meter: { retries: -1, replyTimeout: 5 }, demos: {} }));
    try {
      loadConfig({ file: f, env: { HES_LOG_LEVEL: 'loud' } });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const p = (e as ConfigError).problems.join('\n');
      expect(p).toContain('meter.retries: expected an integer in 0..10, got -1');
      expect(p).toContain('meter.replyTimeout: unknown setting');
      expect(p).toContain('demos: unknown section');
      expect(p).toContain('log.level: expected one of');
    }
  });

  it('names an unreadable or non-JSON file', () => {
    expect(() => loadConfig({ file: path.join(dir, 'missing.json'), env: {} })).toThrow(/cannot read/);
    expect(() => loadConfig({ file: file('x.json', '{ nope'), env: {} })).toThrow(/not valid JSON/);
  });
});
