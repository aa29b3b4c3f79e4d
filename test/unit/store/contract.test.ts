/**
 * The store contract suite (test/helpers/store-contract.ts) on the implementations of this directory:
 * the embedded store on a file, the spool in front of it, and the in-memory reference store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedStore } from '../../../src/store/embedded/embedded-store.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { SpooledStore } from '../../../src/store/spool.js';
import { describeStoreContract } from '../../helpers/store-contract.js';

const tmp = (): string => mkdtempSync(path.join(os.tmpdir(), 'hes-store-'));

describeStoreContract('embedded', async () => {
  const dir = tmp();
  // Small pages and transactions so paging and batch splitting are exercised by the suite.
  const store = EmbeddedStore.open(dir, { pageRows: 100, maxTransactionRows: 7000 });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describeStoreContract('spooled embedded', async () => {
  const dir = tmp();
  const inner = EmbeddedStore.open(path.join(dir, 'data'), { pageRows: 100 });
  const store = await SpooledStore.open(inner, { dir: path.join(dir, 'spool'), maxForwardReadings: 5000 });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describeStoreContract('memory', async () => {
  const store = new MemoryStore();
  return { store, cleanup: () => store.close() };
});
