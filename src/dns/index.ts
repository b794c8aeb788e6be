export * from './bytes.js';
export * from './constants.js';
export * from './name.js';
