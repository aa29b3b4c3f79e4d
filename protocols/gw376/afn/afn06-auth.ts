/**
 * AFN06 identity authentication and key negotiation (身份认证及密钥协商), Q/GDW 376.1-2009 §5.5.1.3.7,
 * F1–F4 (names UNVERIFIED), p0. Downlink carries PW. The payload belongs to the security module and is kept as raw bytes
 * (the rest of the data area).
 */
import { registerRawAfn } from './common.js';

export const AFN_AUTH = 0x06;

registerRawAfn({ afn: AFN_AUTH, name: 'authentication and key negotiation', nameZh: '身份认证及密钥协商', needsPw: true, needsTp: false, downFunction: 4, confirm: false }, [
  [1, 'authentication request', '身份认证请求'],
  [2, 'authentication response', '身份认证响应'],
  [3, 'random number request', '取随机数'],
  [4, 'random number response', '取随机数响应'],
]);
