export { expandInputs, type InputSpec } from './expand-inputs.js';
export { openInput, inputChunks, type InputFormat, type OpenedInput, type OpenInputOptions } from './open-input.js';
export { packetSource, newInputStats, skippedTotal, type InputStats, type PacketSource, type SourcePacket } from './packet-source.js';
