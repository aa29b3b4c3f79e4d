#!/usr/bin/env node
// Launcher for the `hes` CLI: runs the TypeScript sources through tsx's ESM loader.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
