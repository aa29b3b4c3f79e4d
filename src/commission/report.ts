/**
 * The commissioning report: Markdown (for a work order), a plain-text summary (the CLI), and reading
 * a JSON report back (`hes commission show`), checked for its format marker and shape.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { CommissionReport, Evidence, StepResult } from './types.js';

const MAX_FRAMES_MD = 40;

function evidenceMd(e: Evidence): string[] {
  const out = [`- **${e.label}**${e.latencyMs !== undefined ? ` (${e.latencyMs} ms)` : ''}${e.error ? ` — error: ${e.error}` : ''}`];
  const frames = e.frames.slice(0, MAX_FRAMES_MD);
  if (frames.length > 0) {
    out.push('  ```');
    for (const f of frames) out.push(`  ${f.dir === 'out' ? '→' : '←'} ${f.hex}`);
    if (e.frames.length > frames.length) out.push(`  … ${e.frames.length - frames.length} more frame(s) in the JSON report`);
    out.push('  ```');
  }
  if (e.decoded !== undefined) {
    const text = JSON.stringify(e.decoded);
    out.push(`  decoded: \`${text.length > 600 ? `${text.slice(0, 600)}…` : text}\``);
  }
  return out;
}

function stepMd(s: StepResult, i: number): string[] {
  const out = [`## ${i + 1}. ${s.title} — ${s.verdict}`, '', `${s.summary} (${s.durationMs} ms)`, '', '| check | result | detail |', '|---|---|---|'];
  for (const c of s.checks) out.push(`| ${c.name} | ${c.verdict} | ${c.detail.replace(/\|/g, '\\|')} |`);
  out.push('');
  if (s.actions.length > 0) {
    out.push('Actions:', '');
    for (const a of s.actions) out.push(`- ${a}`);
    out.push('');
  }
  if (s.evidence.length > 0) {
    out.push('Evidence:', '');
    for (const e of s.evidence) out.push(...evidenceMd(e));
    out.push('');
  }
  return out;
}

export function toMarkdown(r: CommissionReport): string {
  const what = r.kind === 'terminal' ? `terminal ${r.target}` : `RS-485 bus ${r.target}`;
  const lines = [
    `# Commissioning report: ${what} — ${r.verdict}`,
    '',
    '| | |',
    '|---|---|',
    `| target | ${what} |`,
    ...(r.id ? [`| run | ${r.id} |`] : []),
    `| operator | ${r.operator} |`,
    `| started | ${r.startedAt} |`,
    `| finished | ${r.finishedAt} (${r.durationMs} ms) |`,
    `| result | ${r.verdict}: ${r.counts.PASS} PASS, ${r.counts.WARN} WARN, ${r.counts.FAIL} FAIL, ${r.counts.SKIP} SKIP |`,
    `| options | \`${JSON.stringify(r.options)}\` |`,
    '',
    '## Summary',
    '',
    '| step | result | summary |',
    '|---|---|---|',
    ...r.steps.map((s) => `| ${s.title} | ${s.verdict} | ${s.summary.replace(/\|/g, '\\|')} |`),
    '',
  ];
  const facts = Object.entries(r.facts).filter(([, v]) => v !== undefined);
  if (facts.length > 0) {
    lines.push('## Facts', '');
    for (const [k, v] of facts) lines.push(`- ${k}: \`${JSON.stringify(v)}\``);
    lines.push('');
  }
  r.steps.forEach((s, i) => lines.push(...stepMd(s, i)));
  return `${lines.join('\n')}\n`;
}

/** The report as the CLI prints it: one line per step and per check, no evidence. */
export function toText(r: CommissionReport): string {
  const what = r.kind === 'terminal' ? `terminal ${r.target}` : `bus ${r.target}`;
  const lines = [`Commissioning ${what}: ${r.verdict} (${r.counts.PASS} PASS, ${r.counts.WARN} WARN, ${r.counts.FAIL} FAIL, ${r.counts.SKIP} SKIP) by ${r.operator} at ${r.startedAt}, ${r.durationMs} ms${r.id ? `, run ${r.id}` : ''}`];
  for (const [i, s] of r.steps.entries()) {
    lines.push(`${String(i + 1).padStart(2)}. ${s.verdict.padEnd(4)} ${s.title}: ${s.summary}`);
    for (const c of s.checks) lines.push(`      ${c.verdict.padEnd(4)} ${c.name}: ${c.detail}`);
    for (const a of s.actions) lines.push(`      → ${a}`);
  }
  return lines.join('\n');
}

export function parseReport(text: string, file = 'report'): CommissionReport {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new InputError('report', `${file} is not JSON: ${(e as Error).message}`);
  }
  const r = v as Partial<CommissionReport> | null;
  if (!r || typeof r !== 'object' || r.format !== 'openhes-commission/1') throw new InputError('report', `${file} is not an OpenHES commissioning report (format openhes-commission/1)`);
  if (!Array.isArray(r.steps) || typeof r.target !== 'string' || typeof r.verdict !== 'string' || !r.counts) throw new InputError('report', `${file}: missing steps, target, verdict or counts`);
  return r as CommissionReport;
}

export function readReport(file: string): CommissionReport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError('report', `cannot read ${file}: ${(e as Error).message}`);
  }
  return parseReport(text, file);
}
