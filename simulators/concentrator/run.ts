/**
 * `hes-sim concentrator`: one simulated terminal (the brain, SimulatedTerminal) on one channel —
 * dial-in over TCP or MQTT, or listening for the head-end's dial-out — with an optional frame log and
 * `--state` persistence of its parameters.
 */
import type { TcpListener } from '../../drivers/tcp-server.js';
import { dialInFactory, listenForMaster, parseEndpoint } from './channels.js';
import { terminalKey, type TerminalId } from './device.js';
import { loadState, saveState } from './state.js';
import { SimulatedTerminal, type TerminalJSON, type TerminalOptions } from './terminal.js';
import { TerminalSession, type SessionObserver } from './session.js';

export interface ConcentratorRunOptions {
  /** Exactly one of connect (tcp:// or mqtt://) and listen. */
  connect?: string;
  listen?: { port: number; host?: string };
  id: TerminalId;
  meters?: number;
  seed?: number | string;
  stateDir?: string;
  observer?: SessionObserver;
  terminal?: Omit<TerminalOptions, 'seed' | 'meterCount'>;
  backoff?: { baseMs?: number; maxMs?: number };
  loginTimeoutMs?: number;
}

export interface ConcentratorHandle {
  readonly terminal: SimulatedTerminal;
  readonly session: TerminalSession;
  /** `dialling tcp://…`, `listening on tcp 127.0.0.1:…`. */
  readonly description: string;
  readonly port?: number;
  saveState(): void;
  close(): Promise<void>;
}

export async function runConcentrator(o: ConcentratorRunOptions): Promise<ConcentratorHandle> {
  if ((o.connect === undefined) === (o.listen === undefined)) throw new Error('give exactly one of --connect/--mqtt <url> or --listen <port>');
  const key = terminalKey(o.id);
  const terminal = new SimulatedTerminal(o.id, { ...o.terminal, seed: o.seed ?? 1, meterCount: o.meters ?? 8 });
  if (o.stateDir) {
    const saved = loadState(o.stateDir, key);
    if (saved !== undefined) terminal.fromJSON(saved as TerminalJSON, Date.now());
  }
  const save = (): void => {
    if (o.stateDir) saveState(o.stateDir, key, terminal.toJSON());
  };
  let pendingSave = false;
  const observer: SessionObserver = {
    ...o.observer,
    frame: (dir, bytes, note) => {
      o.observer?.frame?.(dir, bytes, note);
      // AFN04 (set parameters) / AFN05 (control) / AFN01 (reset) change what --state keeps.
      const afn = bytes[12];
      if (o.stateDir && dir === 'in' && (afn === 0x04 || afn === 0x05 || afn === 0x01) && !pendingSave) {
        pendingSave = true;
        setImmediate(() => {
          pendingSave = false;
          save();
        });
      }
    },
  };
  const common = { device: terminal, observer, ...(o.backoff ? { backoff: o.backoff } : {}), ...(o.loginTimeoutMs ? { loginTimeoutMs: o.loginTimeoutMs } : {}) };
  let listener: TcpListener | undefined;
  let session: TerminalSession;
  let description: string;
  if (o.connect !== undefined) {
    const ep = parseEndpoint(o.connect);
    session = new TerminalSession({ ...common, connect: dialInFactory(ep, o.id) });
    session.start();
    description = `dialling ${ep.url}`;
  } else {
    session = new TerminalSession({ ...common, mode: 'listen' });
    listener = await listenForMaster(session, o.listen!.port, o.listen!.host);
    description = `listening on ${listener.description}`;
  }
  return {
    terminal,
    session,
    description,
    ...(listener ? { port: listener.port } : {}),
    saveState: save,
    async close() {
      await session.stop();
      await listener?.close();
      save();
    },
  };
}
