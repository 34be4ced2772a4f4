export { openCapture, openCaptureFile, sniffCapture, isGzipMagic, gunzipChunks, FILE_CHUNK_BYTES, type SniffedKind } from './open-capture.js';
export { InputCutError } from './byte-source.js';
export type { CaptureReader, CaptureStats, CaptureStop, CaptureFormat, StopReason } from './types.js';
export { MAX_RECORD_BYTES, MAX_PCAPNG_BLOCK_BYTES } from './limits.js';
