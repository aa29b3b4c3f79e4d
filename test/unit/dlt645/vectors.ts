import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface Dlt645Vector {
  hex: string;
  source: string;
  version: '2007' | '1997';
  direction: 'request' | 'response';
  control: string;
  address: string;
  di: string | null;
  wake_up_fe: number;
  length_L: number;
  checksum_ok: boolean;
  data_unscrambled: string;
  decoded: Record<string, unknown>;
  notes?: string;
}

export const vectors: Dlt645Vector[] = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '../../fixtures/dlt645-vectors.json'), 'utf8'),
) as Dlt645Vector[];
