/**
 * The curves answer written as JSON text in one pass: a year of 15-min points is 35 136 objects, where
 * the schema serializer and one `Date` per point cost more than reading them from the store. The text is
 * exactly what the route's response schema describes (account, from, to, series[{ quantity, unit, fields,
 * points[{ time, values, quality }] }]); times are China local time with the offset, as `localIso` gives.
 */
import { localIso } from '../../billing/dates.js';
import type { CurveSeries } from '../../customer/service.js';
import { CST_OFFSET_MS, DAY_MS } from '../../store/time.js';

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** `localIso` with the date part reused while consecutive times fall on the same local day. */
export function localIsoFormatter(): (t: number) => string {
  let day = NaN;
  let prefix = '';
  return (t) => {
    const local = t + CST_OFFSET_MS;
    const d = Math.floor(local / DAY_MS);
    if (d !== day) {
      day = d;
      prefix = new Date(d * DAY_MS).toISOString().slice(0, 11);
    }
    const ms = local - d * DAY_MS;
    if (ms % 1000 !== 0) return localIso(t);
    const s = ms / 1000;
    return `${prefix}${pad2(Math.floor(s / 3600))}:${pad2(Math.floor(s / 60) % 60)}:${pad2(s % 60)}+08:00`;
  };
}

const num = (v: number | null): string => (v === null || !Number.isFinite(v) ? 'null' : String(v));

export function curvesJson(account: string, from: number, to: number, series: readonly CurveSeries[]): string {
  const iso = localIsoFormatter();
  const parts: string[] = [`{"account":${JSON.stringify(account)},"from":"${localIso(from)}","to":"${localIso(to)}","series":[`];
  series.forEach((s, i) => {
    parts.push(`${i ? ',' : ''}{"quantity":${JSON.stringify(s.quantity)},"unit":${JSON.stringify(s.unit)},"fields":${JSON.stringify(s.fields)},"points":[`);
    const pts: string[] = new Array<string>(s.points.length);
    for (let k = 0; k < s.points.length; k++) {
      const p = s.points[k]!;
      let values = '';
      for (let j = 0; j < p.values.length; j++) values += j ? `,${num(p.values[j]!)}` : num(p.values[j]!);
      pts[k] = `{"time":"${iso(p.time)}","values":[${values}],"quality":"${p.quality}"}`;
    }
    parts.push(pts.join(','), ']}');
  });
  parts.push(']}');
  return parts.join('');
}
