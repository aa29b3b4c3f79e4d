export * from './errors.js';
export * from './hex.js';
export * from './bcd.js';
export * from './cursor.js';
