#!/usr/bin/env node
// Launcher for the `hes-sim` CLI (simulators): runs the TypeScript sources through tsx's ESM loader.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../simulators/cli.ts');
await main(process.argv);
