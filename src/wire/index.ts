// The wire layer: strict query decoding, response encoding with compression and truncation,
// TCP framing. See each file's header for the RFC rules it follows.

export * from './message.js';
export * from './query.js';
export * from './writer.js';
export * from './error-response.js';
export * from './size-limit.js';
export * from './tcp-framing.js';
export * from './reply-info.js';
export { MAX_POINTER_HOPS, NameScan, readName, scanName } from './wire-name.js';
