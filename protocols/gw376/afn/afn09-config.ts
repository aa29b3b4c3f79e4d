/**
 * AFN09 request terminal configuration (请求终端配置及信息), Q/GDW 376.1-2009 §5.5.1.3.9, p0.
 * Requests carry only DA/DT. F1 terminal version info, uplink 41 bytes: vendor code 4 ASCII, device
 * number 8 ASCII, software version 4 ASCII, software release date A.20, capacity information code
 * 11 ASCII, protocol version 4 ASCII, hardware version 4 ASCII, hardware release date A.20 (field list
 * confirmed by several public terminal/master implementations).
 *
 * F2–F8 (the terminal's supported ports, other configuration, parameter, control, class-1 / class-2 data
 * and event configurations): the digest names only "F8 supported events" and gives no layout for any of
 * them, so they are registered with DA/DT-only requests and a raw reply payload (the rest of the data
 * area, like an unknown Fn's). Their names follow the 2009 Fn table as recalled — UNVERIFIED (the `search`
 * tool was not available to check them).
 */
import type { YmdDate } from './common.js';
import { readA20, readAscii, restLayout, writeA20, writeAscii } from './common.js';
import type { UnitLayout } from '../registry.js';
import { registerAfn, registerFns } from '../registry.js';

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

/** F2–F8: names only (UNVERIFIED), raw reply payloads. */
const RAW_FNS: readonly (readonly [fn: number, name: string, nameZh: string])[] = [
  [2, 'supported input, output and communication ports', '终端支持的输入、输出及通信端口配置'],
  [3, 'other supported configuration', '终端支持的其他配置'],
  [4, 'supported parameter configuration', '终端支持的参数配置'],
  [5, 'supported control configuration', '终端支持的控制配置'],
  [6, 'supported class-1 data configuration', '终端支持的1类数据配置'],
  [7, 'supported class-2 data configuration', '终端支持的2类数据配置'],
  [8, 'supported event record configuration', '终端支持的事件记录配置'],
];

registerFns([
  { afn: AFN_CONFIG, fn: 1, name: 'terminal version information', nameZh: '终端版本信息', p0Only: true, up: versionInfo },
  ...RAW_FNS.map(([fn, name, nameZh]) => ({ afn: AFN_CONFIG, fn, name, nameZh, p0Only: true, up: restLayout })),
]);
