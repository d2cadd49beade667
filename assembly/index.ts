export {
  init,
  initAt,
  scratchPtr,
  scratchCapacity,
  ringBase,
  ringCapacity,
  ringReserve,
  ringReservedLength,
  ringCommit,
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
  base64Finish,
  simdBuild,
} from "./base64";
export {
  scanSetPattern,
  scanEnable,
  scanReset,
  scanFeed,
  scanFound,
  scanFoundOffset,
  indexOfSimd,
  indexOfScalar,
} from "./scan";
export { xmlFindInvalid, escapeWrite, escapeIntoPure } from "./escape";
export { mimeSetBoundary, mimeWritePartHeader, mimeWriteClose } from "./mime";
export { base64DecodeReset, base64DecodeWrite, base64DecodeFinish, base64DecodeErrorAt } from "./base64-decode";
export { delimiterSet, delimiterFind } from "./boundary";
export { readerInit, readerWindowPtr, readerOutputPtr, readerStagingPtr } from "./reader-memory";
