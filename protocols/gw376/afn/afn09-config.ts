/**
 * AFN09 request terminal configuration (请求终端配置及信息), Q/GDW 376.1-2009 §5.9, p0.
 * Requests carry only DA/DT. F1 terminal version info, uplink 41 bytes: vendor code 4 ASCII, device
 * number 8 ASCII, software version 4 ASCII, software release date A.20, capacity information code
 * 11 ASCII, protocol version 4 ASCII, hardware version 4 ASCII, hardware release date A.20 (field list
 * confirmed by several public terminal/master implementations).
 *
 * F2–F8 replies. Field lists and widths agree across public terminal firmware (three
 * implementations emitting F2/F3, two F4–F8), a master-side Wireshark dissector and a terminal struct
 * header; the standard's text itself was not available. Where only one source speaks it is marked
 * UNVERIFIED below.
 */
import type { YmdDate } from './common.js';
import { readA20, readAscii, writeA20, writeAscii } from './common.js';
import type { UnitLayout } from '../registry.js';
import { registerAfn, registerFns } from '../registry.js';
import { array, bits, bitset, bytes, compile, struct } from '../layout.js';

export const AFN_CONFIG = 0x09;

export interface VersionInfo {
  vendor: string;
  deviceNumber: string;
  softwareVersion: string;
  softwareDate: YmdDate | null;
  capacityCode: string;
  protocolVersion: string;
  hardwareVersion: string;
  hardwareDate: YmdDate | null;
}

export const VERSION_INFO_LENGTH = 41;

const versionInfo: UnitLayout<VersionInfo> = {
  decode(r) {
    r.need(VERSION_INFO_LENGTH, 'AFN09 F1 version info (41 bytes)');
    return {
      vendor: readAscii(r, 4, 'vendor'),
      deviceNumber: readAscii(r, 8, 'deviceNumber'),
      softwareVersion: readAscii(r, 4, 'softwareVersion'),
      softwareDate: readA20(r, 'softwareDate'),
      capacityCode: readAscii(r, 11, 'capacityCode'),
      protocolVersion: readAscii(r, 4, 'protocolVersion'),
      hardwareVersion: readAscii(r, 4, 'hardwareVersion'),
      hardwareDate: readA20(r, 'hardwareDate'),
    };
  },
  encode(w, v) {
    writeAscii(w, v.vendor, 4, 'vendor');
    writeAscii(w, v.deviceNumber, 8, 'deviceNumber');
    writeAscii(w, v.softwareVersion, 4, 'softwareVersion');
    writeA20(w, v.softwareDate, 'softwareDate');
    writeAscii(w, v.capacityCode, 11, 'capacityCode');
    writeAscii(w, v.protocolVersion, 4, 'protocolVersion');
    writeAscii(w, v.hardwareVersion, 4, 'hardwareVersion');
    writeA20(w, v.hardwareDate, 'hardwareDate');
  },
};

registerAfn({ afn: AFN_CONFIG, name: 'request terminal configuration', nameZh: '请求终端配置及信息', needsPw: false, needsTp: false, downFunction: 11, confirm: false });

/**
 * F2 one communication port: port number and information word BS16 (D4..D0 port 1..31; D7..D5, D12..D8,
 * D15..D13 as sent — read by one terminal as connection type, serial-port kind and port use, UNVERIFIED),
 * highest baud rate (bps, BIN 4), devices supported, receive and send buffer sizes (BIN 2 each).
 */
const PORT_CONFIG = struct({
  port: bits(2, { port: [0, 5], link: [5, 3], kind: [8, 5], use: [13, 3] }),
  maxBaud: 'u32',
  devices: 'u16',
  rxBuffer: 'u16',
  txBuffer: 'u16',
});

/** F2 终端支持的输入、输出及通信端口配置: 17 bytes, then n ports of 12 bytes. */
const F2 = struct({
  pulseInputs: 'u8',
  switchInputs: 'u8',
  analogInputs: 'u8',
  /** 开关量输出路数（轮次）. */
  switchOutputs: 'u8',
  /** 支持的抄电能表/交流采样装置最多个数. */
  maxMeters: 'u16',
  /** Uplink receive / send buffer sizes (bytes). */
  rxBuffer: 'u16',
  txBuffer: 'u16',
  /** MAC address, segments 1..6 in wire order. */
  mac: bytes(6),
  n: 'u8',
  ports: array(PORT_CONFIG, 'n', 0, 4),
});

/**
 * F3 终端支持的其他配置 (35 bytes): maxima, freeze densities (appendix C codes), storage depths, then the
 * supported user classes (BS16, class k = bit k) and the subclass count of each class 0..15 — always 16
 * bytes in four of five sources; one terminal sends one byte per supported class instead (UNVERIFIED which
 * the text requires).
 */
const F3 = struct({
  maxPoints: 'u16',
  maxGroups: 'u8',
  maxTasks: 'u8',
  maxDiffGroups: 'u8',
  maxTariffs: 'u8',
  pointDensity: 'u8',
  groupActivePowerDensity: 'u8',
  groupReactivePowerDensity: 'u8',
  groupActiveEnergyDensity: 'u8',
  groupReactiveEnergyDensity: 'u8',
  dailyDays: 'u8',
  monthlyMonths: 'u8',
  powerSchemes: 'u8',
  maxHarmonic: 'u8',
  capacitorGroups: 'u8',
  keyUsers: 'u8',
  userClasses: bitset(2, 0),
  subclassCounts: array('u8', 16),
});

/**
 * Supported Fns of one AFN (F4 parameters, F5 controls; per user class in F6/F7): n groups, then the DT1
 * bitmap of each group 1..n, decoded to the Fn numbers (group g bit b = F(8(g-1) + b + 1), §5.2.3.5.2).
 */
const SUPPORTED_FNS = struct({ groups: 'u8', fns: bitset('groups', 1) });

/** F6/F7: supported user classes (BS16), then one SUPPORTED_FNS block per supported class, ascending. */
const DATA_CONFIG = struct({
  userClasses: bitset(2, 0),
  perClass: array(SUPPORTED_FNS, 'userClasses.length'),
});

/** F8 终端支持的事件记录配置: 8-byte ERC bitmap (ERC n = bit n-1), as AFN04 F9. */
const F8 = struct({ ercs: bitset(8, 1) });

registerAfn({ afn: AFN_CONFIG, name: 'request terminal configuration', nameZh: '请求终端配置及信息', needsPw: false, needsTp: false, downFunction: 11, confirm: false });

registerFns([
  { afn: AFN_CONFIG, fn: 1, name: 'terminal version information', nameZh: '终端版本信息', p0Only: true, up: versionInfo },
  { afn: AFN_CONFIG, fn: 2, name: 'supported input, output and communication ports', nameZh: '终端支持的输入、输出及通信端口配置', p0Only: true, up: compile(F2, 'AFN09 F2') },
  { afn: AFN_CONFIG, fn: 3, name: 'other supported configuration', nameZh: '终端支持的其他配置', p0Only: true, up: compile(F3, 'AFN09 F3') },
  { afn: AFN_CONFIG, fn: 4, name: 'supported parameter configuration', nameZh: '终端支持的参数配置', p0Only: true, up: compile(SUPPORTED_FNS, 'AFN09 F4') },
  { afn: AFN_CONFIG, fn: 5, name: 'supported control configuration', nameZh: '终端支持的控制配置', p0Only: true, up: compile(SUPPORTED_FNS, 'AFN09 F5') },
  { afn: AFN_CONFIG, fn: 6, name: 'supported class-1 data configuration', nameZh: '终端支持的1类数据配置', p0Only: true, up: compile(DATA_CONFIG, 'AFN09 F6') },
  { afn: AFN_CONFIG, fn: 7, name: 'supported class-2 data configuration', nameZh: '终端支持的2类数据配置', p0Only: true, up: compile(DATA_CONFIG, 'AFN09 F7') },
  { afn: AFN_CONFIG, fn: 8, name: 'supported event record configuration', nameZh: '终端支持的事件记录配置', p0Only: true, up: compile(F8, 'AFN09 F8') },
]);
