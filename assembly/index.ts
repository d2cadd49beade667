// The core's exports: what src/wasm.ts, the benchmarks and the MTOM reader call. Exports only.
export { init } from "./init";
export {
  scratchPtr,
  ringBase,
  ringCapacity,
  ringReserve,
  ringReservedLength,
  ringCommit,
  ringCommitRest,
  ringWrite,
  ringSpans,
  spanTable,
  ringRelease,
  ringUsed,
  ringContiguousFree,
  bytesCommitted,
  status,
} from "./ring";
export {
  base64EncodeSimd,
  base64EncodeScalar,
  base64Reset,
  base64Write,
  base64ReservedInput,
  base64WriteReserved,
  base64Finish,
  simdBuild,
} from "./base64";
export { scanSetPattern, scanEnable, scanReset, scanFeed, scanFound, scanFoundOffset } from "./scan";
export { xmlFindInvalid, escapeWrite, escapeCheckedInto } from "./escape";
export { mimeSetBoundary, mimeWritePartHeader, mimeWriteClose, mimePartHeaderLength, mimeCloseLength } from "./mime";
export { base64DecodeReset, base64DecodeWrite, base64DecodeFinish, base64DecodeErrorAt } from "./base64-decode";
export { delimiterSet, delimiterFind } from "./boundary";
export { readerInit, readerWindowPtr, readerOutputPtr, readerStagingPtr } from "./reader-memory";
