/**
 * Which meters the head-end reaches itself (archive table `meter_links`, migration 0007): a meter read
 * over RS-485 or a serial server / DTU over TCP rather than through its concentrator. Load control sends
 * such a meter's DL/T 645 1CH commands on that link (direct.ts). Setting or removing a link changes
 * where trips go, so it needs the admin role and is recorded in the audit chain.
 */
import type { Db, Stmt } from '../archive/db.js';
import type { Clock } from '../clock.js';
import { parseSerialSettings } from '../../drivers/serial.js';
import { InputError } from '../errors.js';
import { parseHostPort } from '../meter/channel.js';
import { NotFoundError } from '../service/errors.js';
import { requireAdmin, type Actor } from './actor.js';
import type { AuditChain } from './audit-chain.js';
import type { DirectLink } from './direct.js';

export interface MeterLinkView extends DirectLink {
  meter: string;
}

export class MeterLinks {
  private readonly st: Record<'meter' | 'set' | 'remove' | 'list', Stmt>;

  constructor(
    db: Db,
    private readonly audit: AuditChain,
    private readonly clock: Clock,
  ) {
    this.st = {
      meter: db.prepare('SELECT 1 FROM meters WHERE meter_address = ?'),
      set: db.prepare('INSERT OR REPLACE INTO meter_links (meter_address, kind, endpoint, settings) VALUES (?, ?, ?, ?)'),
      remove: db.prepare('DELETE FROM meter_links WHERE meter_address = ?'),
      list: db.prepare('SELECT meter_address, kind, endpoint, settings FROM meter_links ORDER BY meter_address'),
    };
  }

  list(): MeterLinkView[] {
    return (this.st.list.all() as { meter_address: string; kind: 'serial' | 'tcp'; endpoint: string; settings: string | null }[]).map((r) => ({
      meter: r.meter_address,
      kind: r.kind,
      endpoint: r.endpoint,
      ...(r.settings !== null ? { settings: r.settings } : {}),
    }));
  }

  set(actor: Actor, meter: string, link: DirectLink): MeterLinkView {
    requireAdmin(actor, 'change direct meter links');
    if (!this.st.meter.get(meter)) throw new NotFoundError('meter', `meter ${meter} is not in the archive`);
    if (link.kind === 'tcp') parseHostPort(link.endpoint);
    else if (link.kind === 'serial') {
      if (!link.endpoint.startsWith('/') && !/^COM\d+$/i.test(link.endpoint)) throw new InputError('serial', `'${link.endpoint}' is not a serial device path`);
      try {
        parseSerialSettings(link.settings ?? '2400,8E1');
      } catch (e) {
        throw new InputError('settings', (e as Error).message);
      }
    } else throw new InputError('kind', "expected 'serial' or 'tcp'");
    this.st.set.run(meter, link.kind, link.endpoint, link.kind === 'serial' ? (link.settings ?? null) : null);
    this.audit.append({ kind: 'link', actor: actor.name, ref: `meter:${meter}`, target: meter, data: { event: 'set', link, at: this.clock.now() } }, { flush: true });
    return { meter, ...link };
  }

  remove(actor: Actor, meter: string): boolean {
    requireAdmin(actor, 'change direct meter links');
    const gone = this.st.remove.run(meter).changes === 1;
    if (gone) this.audit.append({ kind: 'link', actor: actor.name, ref: `meter:${meter}`, target: meter, data: { event: 'removed' } }, { flush: true });
    return gone;
  }
}
