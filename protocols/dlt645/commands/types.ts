/** Contract of one DL/T 645 command codec (one file per command group, looked up by version + function). */
import type { BinaryReader, BinaryWriter } from '../../codec/cursor.js';
import type { Dlt645Version } from '../control.js';
import type { Dlt645Request, Dlt645Response } from '../messages.js';

export interface CommandCodec<Req extends Dlt645Request = Dlt645Request, Res extends Dlt645Response = Dlt645Response> {
  readonly func: number;
  readonly version: Dlt645Version;
  readonly name: string;
  readonly nameZh: string;
  readonly request: Req['kind'];
  /** Kind of a normal reply; undefined for commands that get no reply (broadcasts). */
  readonly response?: Res['kind'];
  /** Reads request DATA (`r` removes the +33H). Throws DataError for data that does not fit. */
  decodeRequest(r: BinaryReader, version: Dlt645Version): Req;
  decodeResponse?(r: BinaryReader, more: boolean, version: Dlt645Version): Res;
  /** Writes unscrambled request DATA. */
  encodeRequest(w: BinaryWriter, msg: Req, version: Dlt645Version): void;
  encodeResponse?(w: BinaryWriter, msg: Res, version: Dlt645Version): void;
}
