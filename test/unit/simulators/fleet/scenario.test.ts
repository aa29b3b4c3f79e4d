import { describe, expect, it } from 'vitest';
import { inSet, membersOf, parseDuration, parseNumberSet, parseScenario, ScenarioError } from '../../../../simulators/fleet/scenario.js';

const err = (text: string): string => {
  try {
    parseScenario(text, 'sc.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return (e as Error).message;
  }
  throw new Error('no error');
};

describe('fleet scenario files', () => {
  it('parses every fault kind, sorts by time, converts durations and ranges', () => {
    const s = parseScenario(
      JSON.stringify({
        name: 'all kinds',
        events: [
          { at: '1m', terminals: '1-100', fault: 'offline', for: '30s' },
          { at: 0, terminals: 'all', fault: 'loss', percent: 2.5 },
          { at: '500ms', terminals: [3, 1, 2], fault: 'half-open', for: '1h' },
          { at: '2s', terminals: 7, fault: 'slow', ms: 3000 },
          { at: '3s', terminals: '5,9-12', fault: 'corrupt', percent: 10 },
          { at: '3s', terminals: '5', fault: 'duplicate', percent: 100 },
          { at: '4s', terminals: '6', fault: 'clock-drift', offsetS: -300, ppm: 50 },
          { at: '5s', terminals: '8', fault: 'power-off', for: '10m' },
          { at: '6s', terminals: '9', fault: 'meter-missing', meters: '1-5,9' },
          { at: '7s', terminals: '10', fault: 'deny' },
        ],
      }),
    );
    expect(s.name).toBe('all kinds');
    expect(s.events.map((e) => e.at)).toEqual([0, 500, 2000, 3000, 3000, 4000, 5000, 6000, 7000, 60_000]);
    const off = s.events.at(-1)!;
    expect(off).toMatchObject({ for: 30_000, terminals: [[1, 100]], fault: { kind: 'offline' } });
    expect(s.events[1]!.terminals).toEqual([[1, 3]]);
    expect(s.events.find((e) => e.fault.kind === 'meter-missing')!.fault.meters).toEqual([[1, 5], [9, 9]]);
    expect(s.events.find((e) => e.fault.kind === 'clock-drift')!.fault).toEqual({ kind: 'clock-drift', offsetS: -300, ppm: 50 });
  });

  it('errors name the file, the line, the JSON path and what was expected', () => {
    const text = '{\n  "events": [\n    { "at": "1s", "terminals": "1-5", "fault": "loss", "percent": 5 },\n    { "at": "soon",\n      "terminals": "1-5", "fault": "deny" }\n  ]\n}';
    expect(err(text)).toBe('sc.json:4: events[1].at: expected a time from the start: ms number or "500ms", "30s", "2m", "1h"; got "soon"');
    expect(err('{"events":[{"at":0,"terminals":"1-5","fault":"flood"}]}')).toMatch(/^sc\.json:1: events\[0\]\.fault: expected one of offline, half-open, slow, loss, corrupt, duplicate, clock-drift, power-off, meter-missing, deny; got "flood"$/);
    expect(err('{"events":[{"at":0,"terminals":"5-1","fault":"deny"}]}')).toMatch(/events\[0\]\.terminals: expected "all", an A2 number, a range list/);
    expect(err('{"events":[{"at":0,"terminals":"1","fault":"offline"}]}')).toMatch(/events\[0\]: fault "offline" needs "for"/);
    expect(err('{"events":[{"at":0,"terminals":"1","fault":"slow","percent":3}]}')).toMatch(/events\[0\]\.percent: unknown key for fault "slow"/);
    expect(err('{"events":[{"at":0,"terminals":"1","fault":"meter-missing","meters":"0-3"}]}')).toMatch(/events\[0\]\.meters: expected/);
    expect(err('{"event":[]}')).toMatch(/^sc\.json:1: event: unknown key/);
    expect(err('{\n "events": [\n  { "at": 1, }\n ]\n}')).toMatch(/^sc\.json:3: invalid JSON: expected a "key"/);
    expect(err('{\n "events": [\n')).toMatch(/^sc\.json:3: invalid JSON: expected a value/);
  });

  it('durations and number sets', () => {
    expect([parseDuration('250ms'), parseDuration('1.5s'), parseDuration('2m'), parseDuration('1h'), parseDuration(42), parseDuration('5 days')]).toEqual([250, 1500, 120_000, 3_600_000, 42, undefined]);
    const s = parseNumberSet('10-20, 5, 19-25')!;
    expect(s).toEqual([[5, 5], [10, 25]]);
    expect(inSet(s, 25) && !inSet(s, 26) && inSet('all', 9)).toBe(true);
    expect(membersOf(s, 1, 12)).toEqual([5, 10, 11, 12]);
    expect(parseNumberSet('0')).toBeUndefined();
    expect(parseNumberSet('70000')).toBeUndefined();
  });
});
