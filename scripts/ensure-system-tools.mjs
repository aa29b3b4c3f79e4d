#!/usr/bin/env node
// Installs the Debian packages the test suite needs (socat for virtual serial ports, mosquitto for the
// MQTT channel tests of the concentrator simulator, influxdb for the InfluxDB store tests) when missing.
// Non-interactive; needs root. Exits non-zero with a message naming what is missing when it cannot
// install, so no test is skipped silently.
import { execFileSync, spawnSync } from 'node:child_process';

const REQUIRED = [
  { command: 'socat', pkg: 'socat', why: 'virtual serial port pairs (pty) for RS-485 tests' },
  { command: 'mosquitto', pkg: 'mosquitto', why: 'external MQTT broker for the concentrator MQTT channel tests' },
  { command: 'influxd', pkg: 'influxdb', why: 'InfluxDB 1.x server for the InfluxDB store tests (scripts/influxd.mjs starts it)' },
];

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

const missing = REQUIRED.filter((t) => !has(t.command));
if (missing.length === 0) process.exit(0);

const pkgs = missing.map((t) => t.pkg);
console.error(`[ensure-system-tools] installing ${pkgs.join(', ')} (${missing.map((t) => t.why).join('; ')})`);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot || !has('apt-get')) {
  console.error(`[ensure-system-tools] cannot install ${pkgs.join(', ')}: need root and apt-get. Install them and re-run.`);
  process.exit(1);
}
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
try {
  execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...pkgs], { stdio: 'inherit', env });
} catch {
  // Package lists may be stale on a fresh machine: update once, then retry.
  try {
    execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...pkgs], { stdio: 'inherit', env });
  } catch (err) {
    console.error(`[ensure-system-tools] apt-get failed for ${pkgs.join(', ')}: ${err.message}`);
    process.exit(1);
  }
}
const still = missing.filter((t) => !has(t.command));
if (still.length) {
  console.error(`[ensure-system-tools] still missing after install: ${still.map((t) => t.command).join(', ')}`);
  process.exit(1);
}
