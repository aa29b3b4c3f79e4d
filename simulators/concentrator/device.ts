/**
 * The contract between a simulated Q/GDW 376.1 terminal (its "brain": parameters, meters, answers,
 * events, controls) and what carries its frames (a TCP dial-in session, a listening socket, an MQTT
 * topic pair, a fleet runner). The brain is sans-I/O: bytes in, bytes out, time passed in.
 */

/** Identity of a terminal on the wire: A1 region code and A2 terminal address. */
export interface TerminalId {
  /** 4-digit region code, e.g. "1101". */
  readonly a1: string;
  /** 1..65535. */
  readonly a2: number;
}

/** Printable key of a terminal: `1101-01234` (A1, dash, A2 as 5 decimal digits). */
export function terminalKey(id: TerminalId): string {
  return `${id.a1}-${String(id.a2).padStart(5, '0')}`;
}

export interface TerminalDevice {
  readonly id: TerminalId;
  /**
   * Handles one complete frame from the master (already deframed and checksum-valid) received at `now`
   * (UTC ms). Returns the frames to send back, in order (several for a multi-frame answer; none when the
   * frame needs no answer or a fault swallows it).
   */
  receive(frame: Buffer, now: number): Buffer[];
  /** AFN02 F1 login, F3 heartbeat (with its clock where the revision carries it), F2 logout. */
  linkFrame(kind: 'login' | 'heartbeat' | 'logout', now: number): Buffer;
  /** Heartbeat period from its AFN04 F1 parameters, in ms. */
  heartbeatPeriodMs(): number;
  /**
   * Frames the terminal wants to send on its own at `now` (important-event reports when active
   * reporting is allowed, AFN00 confirms it owes). Empty when there is nothing to send.
   */
  pendingReports(now: number): Buffer[];
  /**
   * Optional: how long the channel should wait before sending the answers of `receive` (the simulated
   * terminal's `slowMs` fault); 0 or absent = at once.
   */
  replyDelayMs?(): number;
}
