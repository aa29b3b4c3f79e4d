import { describe, expect, it } from 'vitest';
import { corruptReply, FaultParseError, FaultPlan, neighbourAddress, parseAddressedFault, parseFault } from '../../../simulators/meter/faults.js';

describe('fault catalogue: CLI strings', () => {
  it('parses the documented forms', () => {
    expect(parseFault('silent')).toEqual({ kind: 'silent', trigger: { mode: 'always' } });
    expect(parseFault('slow:800')).toEqual({ kind: 'slow', trigger: { mode: 'always' }, delayMs: 800 });
    expect(parseFault('badChecksum:first=1')).toEqual({ kind: 'badChecksum', trigger: { mode: 'first', n: 1 } });
    expect(parseFault('abnormal:0x02')).toEqual({ kind: 'abnormal', trigger: { mode: 'always' }, err: 2 });
    expect(parseFault('garbageBefore:p=0.5')).toEqual({ kind: 'garbageBefore', trigger: { mode: 'probability', p: 0.5 } });
    expect(parseFault('truncated:8:first=2')).toEqual({ kind: 'truncated', trigger: { mode: 'first', n: 2 }, bytes: 8 });
    expect(parseFault('wrongAddress:000000000099').address).toBe('000000000099');
    expect(parseAddressedFault('2=slow:100')).toEqual({ address: '000000000002', fault: { kind: 'slow', trigger: { mode: 'always' }, delayMs: 100 } });
  });

  it('rejects bad strings with a message naming the problem', () => {
    expect(() => parseFault('sleepy')).toThrow(/unknown kind 'sleepy'/);
    expect(() => parseFault('slow:soon')).toThrow(FaultParseError);
    expect(() => parseFault('silent:3')).toThrow(/takes no argument/);
    expect(() => parseFault('abnormal:p=2')).toThrow(/not in \[0, 1\]/);
    expect(() => parseAddressedFault('slow:100')).toThrow(/<address>=<fault>/);
  });
});

describe('fault triggers', () => {
  it('first=N affects the first N requests only', () => {
    const plan = new FaultPlan([parseFault('silent:first=2')], 1, '000000000001');
    expect([1, 2, 3, 4].map(() => plan.next().silent)).toEqual([true, true, false, false]);
  });

  it('probability draws are reproducible for the same seed and address and roughly p', () => {
    const run = (seed: number): boolean[] => {
      const plan = new FaultPlan([parseFault('badChecksum:p=0.3')], seed, '000000000001');
      return Array.from({ length: 1000 }, () => plan.next().badChecksum);
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
    const hits = run(5).filter(Boolean).length;
    expect(hits).toBeGreaterThan(240);
    expect(hits).toBeLessThan(360);
  });
});

describe('corruptReply', () => {
  const frame = Buffer.from('fefe6812907856341268d101358d16', 'hex');
  const bytes = (): (() => number) => {
    let i = 0;
    return () => [0x01, 0x02, 0x03, 0x04, 0x05, 0x06][i++ % 6]!;
  };
  const none = { silent: false, badChecksum: false, kinds: [] };

  it('badChecksum adds 1 to CS only', () => {
    const out = corruptReply(frame, 2, { ...none, badChecksum: true }, bytes());
    expect(out.toString('hex')).toBe('fefe6812907856341268d101358e16');
  });
  it('truncated keeps the given bytes, or half the frame after the preamble', () => {
    expect(corruptReply(frame, 2, { ...none, truncated: 5 }, bytes()).toString('hex')).toBe('fefe681290');
    expect(corruptReply(frame, 2, { ...none, truncated: 'half' }, bytes()).length).toBe(2 + 6);
  });
  it('garbage goes before and after', () => {
    const out = corruptReply(frame, 2, { ...none, garbageBefore: 2, garbageAfter: 3 }, bytes());
    expect(out.toString('hex')).toBe('0102' + frame.toString('hex') + '030405');
  });
  it('the default wrong address is the neighbour', () => {
    expect(neighbourAddress('123456789012')).toBe('123456789013');
    expect(neighbourAddress('000000000099')).toBe('000000000000');
  });
});
