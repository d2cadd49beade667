/**
 * The one door to WebAssembly: compiles the inlined core once, instantiates it per writer over a
 * fixed-size memory, and exposes its operations as pointer-free methods and views. No other host
 * file knows a pointer.
 *
 * Memory is imported with initial == maximum pages, so it never grows and a Uint8Array view into
 * it never detaches: that is what makes lending ring windows to callbacks safe.
 */
import { instantiate } from '@assemblyscript/loader';
import { invalidArg } from './errors.js';
import { SCALAR_CORE_BASE64, SIMD_CORE_BASE64 } from './generated/wasm-binaries.js';

/** The core's exports (assembly/index.ts). Pointers are byte offsets into linear memory. */
type CoreExports = {
  /** Lays out memory and resets every unit (assembly/init.ts): 0, or -1/-2 for sizes that do not fit. */
  init(scratchCapacity: number, ringCapacity: number): number;
  scratchPtr(): number;
  ringReserve(min: number, max: number): number;
  ringReservedLength(): number;
  ringCommit(n: number): number;
  ringCommitRest(n: number, scanned: number): number;
  ringWrite(src: number, len: number): number;
  ringSpans(): number;
  spanTable(): number;
  ringRelease(n: number): number;
  ringUsed(): number;
  ringContiguousFree(): number;
  bytesCommitted(): number;
  status(): number;
  base64Reset(): void;
  base64Write(src: number, len: number): number;
  base64ReservedInput(reserved: number): number;
  base64WriteReserved(len: number): number;
  base64Finish(): number;
  simdBuild(): number;
  scanEnable(on: number): void;
  scanFoundOffset(): number;
  scanFeed(ptr: number, len: number): number;
  xmlFindInvalid(src: number, len: number): number;
  escapeWrite(src: number, len: number, attribute: number): number;
  escapeCheckedInto(src: number, len: number, dst: number, attribute: number): number;
  mimeSetBoundary(ptr: number, len: number): number;
  mimeWritePartHeader(
    first: number,
    idPtr: number,
    idLen: number,
    typePtr: number,
    typeLen: number,
    encPtr: number,
    encLen: number,
    extraPtr: number,
    extraLen: number,
  ): number;
  mimeWriteClose(): number;
  mimePartHeaderLength(first: number, idLen: number, typeLen: number, encLen: number, extraLen: number): number;
  mimeCloseLength(): number;
};

/** Room kept below the scratch area for the core's static data and tables. */
const STATIC_RESERVE = 64 * 1024;
const PAGE = 64 * 1024;

/** A minimal module using one v128 instruction: validates only where wasm SIMD is supported. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** Whether this engine runs wasm SIMD (feature detection, as wasm-feature-detect does). */
export function engineSupportsSimd(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/** Feature detection runs once per process (or page). */
let simdDetected: boolean | undefined;

function detectSimd(): boolean {
  simdDetected ??= engineSupportsSimd();
  return simdDetected;
}

/** Decodes the inlined base64 with the platform's atob: no Buffer, no runtime dependency. */
function decodeInlined(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const compiled = new Map<boolean, Promise<WebAssembly.Module>>();

/**
 * Idle instances by build and size. Instantiating (a new memory, the loader's wrapping) costs far
 * more than writing a small message, so an instance whose writer ended cleanly serves the next.
 */
interface IdleCores {
  readonly simd: boolean;
  readonly scratchSize: number;
  readonly ringSize: number;
  readonly cores: Core[];
}
const idle: IdleCores[] = [];
const IDLE_LIMIT = 4;

/** The idle list for a build and its sizes (a writer's first call: found without making a key). */
function idleCoresFor(simd: boolean, scratchSize: number, ringSize: number): IdleCores {
  for (const list of idle) {
    if (list.simd === simd && list.scratchSize === scratchSize && list.ringSize === ringSize) return list;
  }
  const list: IdleCores = { simd, scratchSize, ringSize, cores: [] };
  idle.push(list);
  return list;
}

/** Compiles a build once per process (or page) and caches the promise. */
function compileCore(simd: boolean): Promise<WebAssembly.Module> {
  let module = compiled.get(simd);
  if (!module) {
    module = WebAssembly.compile(decodeInlined(simd ? SIMD_CORE_BASE64 : SCALAR_CORE_BASE64));
    compiled.set(simd, module);
  }
  return module;
}

export interface CoreOptions {
  /** Ring capacity in bytes. */
  ringSize: number;
  /** Scratch capacity in bytes (staging for text and binary input on its way into the ring). */
  scratchSize: number;
  /** Force the SIMD (`true`) or scalar (`false`) build; default: feature detection. */
  simd?: boolean;
}

const textEncoder = new TextEncoder();

/** The smallest ring window base64FromBytes encodes into (a carried group, one more, slack). */
const BASE64_MIN_WINDOW = 12;

/**
 * Bytes of `value` as TextEncoder.encodeInto writes it (UTF-8, a lone surrogate as U+FFFD),
 * counted without encoding it.
 */
function utf8Length(value: string): number {
  const length = value.length;
  let bytes = length;
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else {
      // Three bytes for one unit; a surrogate pair is four bytes for its two units.
      bytes += 2;
      if (code <= 0xdbff && code >= 0xd800 && i + 1 < length) {
        const next = value.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) i++;
      }
    }
  }
  return bytes;
}

/** A markup window opens with room for this many bytes when the ring has them contiguous. */
const MARKUP_WINDOW = 4096;
/** In an escape table (Core.writeAsciiEscaped): a unit the general path must handle. */
export const ASCII_STOP = 0xff;

/**
 * One instance of the core: a ring, a scratch area, and the operations over them.
 *
 * Markup is batched: writeMarkup fills an open ring reservation (the markup window) and commits
 * it only when another operation needs the ring, so a run of tags costs two crossings rather than
 * two per piece. Every method that reads or changes the ring commits the window first, so callers
 * see the same ring as with one commit per piece.
 */
export class Core {
  /** Whether this instance runs the SIMD build. */
  readonly simd: boolean;
  /** The scratch area: host input is staged here before the core moves it into the ring. */
  readonly scratch: Uint8Array;
  private readonly memory: Uint8Array;
  /** The same memory, for the markup window's four-byte stores. */
  private readonly memoryView: DataView;
  private readonly spanWords: Uint32Array;
  /** The open markup window: where its next byte goes, and its end; both 0 when none is open. */
  private markupAt = 0;
  private markupEnd = 0;
  /** Where the open markup window starts (its bytes so far are markupAt - markupStart). */
  private markupStart = 0;
  /** How far the open markup window has been fed to the boundary scan (collisionOffset). */
  private markupScanned = 0;

  private constructor(
    private readonly core: CoreExports,
    buffer: ArrayBuffer,
    private readonly sizes: CoreOptions,
    private readonly idleList: IdleCores,
  ) {
    this.simd = core.simdBuild() === 1;
    this.memory = new Uint8Array(buffer);
    this.memoryView = new DataView(buffer);
    this.scratch = this.memory.subarray(core.scratchPtr(), core.scratchPtr() + sizes.scratchSize);
    this.spanWords = new Uint32Array(buffer, core.spanTable(), 4);
  }

  /** An idle instance of this build and these sizes, if one is waiting (no await needed). */
  static takeIdle(options: CoreOptions): Core | undefined {
    return idleCoresFor(options.simd ?? detectSimd(), options.scratchSize, options.ringSize).cores.pop();
  }

  static async create(options: CoreOptions): Promise<Core> {
    const simd = options.simd ?? detectSimd();
    const idleList = idleCoresFor(simd, options.scratchSize, options.ringSize);
    const reused = idleList.cores.pop();
    if (reused) return reused;
    const pages = Math.ceil((STATIC_RESERVE + options.scratchSize + options.ringSize) / PAGE);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    // Loaded through the loader; calls go to the raw exports, which this runtime needs no glue for.
    // The only import is the memory: the core is built without `abort` (asconfig.json, `use`).
    const { instance } = await instantiate<CoreExports>(await compileCore(simd), { env: { memory } });
    const exports = instance.exports as unknown as CoreExports;
    const status = exports.init(options.scratchSize, options.ringSize);
    if (status === -2) throw invalidArg('ringSize and scratchSize must be at least 4096 bytes');
    if (status !== 0)
      throw invalidArg(`ringSize ${options.ringSize} and scratchSize ${options.scratchSize} do not fit`);
    return new Core(exports, memory.buffer, options, idleList);
  }

  /**
   * Hands the instance back for reuse. Only for a writer that ended cleanly: every view it lent
   * has been returned (the output callback returned or settled), so nothing can still read it.
   */
  recycle(): void {
    this.clear();
    const list = this.idleList.cores;
    if (list.length < IDLE_LIMIT) list.push(this);
  }

  /**
   * Takes `core` back for a writer starting its next message (XmlWriter.reset): the instance
   * itself if it is still idle, otherwise another idle one of the same build and sizes, or
   * undefined when there is none (the caller then creates one).
   */
  static reclaim(core: Core): Core | undefined {
    const list = core.idleList.cores;
    if (list.length === 0) return undefined;
    const at = list.indexOf(core);
    if (at < 0) return list.pop();
    list.splice(at, 1);
    return core;
  }

  /** The sizes and build this instance was created with, to create another like it. */
  get options(): CoreOptions {
    return { ...this.sizes, simd: this.simd };
  }

  /** Empties the ring and resets every unit, as for a new instance; only once nothing reads the ring. */
  clear(): void {
    this.markupAt = this.markupEnd = this.markupStart = this.markupScanned = 0;
    this.core.init(this.sizes.scratchSize, this.sizes.ringSize);
  }

  // The ring (assembly/ring.ts).

  /** A contiguous writable window of [min, max] bytes, or null if none is free now. */
  reserve(min: number, max: number): Uint8Array | null {
    this.commitMarkup();
    const ptr = this.core.ringReserve(min, max);
    return ptr === 0 ? null : this.memory.subarray(ptr, ptr + this.core.ringReservedLength());
  }

  /**
   * Writes a short string (markup: checked names and fixed syntax) as UTF-8 into the markup
   * window, ASCII by a plain loop; false if the ring has no window of 3 bytes per UTF-16 unit now.
   */
  writeMarkup(value: string): boolean {
    const length = value.length;
    if (length === 0) return true;
    if (this.markupEnd - this.markupAt < length * 3 && !this.openMarkupWindow(length * 3)) return false;
    const at = this.markupAt;
    const memory = this.memory;
    let i = 0;
    for (; i < length; i++) {
      const code = value.charCodeAt(i);
      if (code >= 0x80) break;
      memory[at + i] = code;
    }
    if (i < length) i += textEncoder.encodeInto(value.slice(i), memory.subarray(at + i, this.markupEnd)).written;
    this.markupAt = at + i;
    return true;
  }

  /**
   * Writes `length` bytes of markup packed as little-endian 32-bit words (src/encoded-markup.ts)
   * into the markup window, four bytes per store (the padding lands past the markup and is
   * overwritten or never committed); false if the ring has no window for the words now.
   */
  writeMarkupWords(words: Int32Array, length: number): boolean {
    const count = words.length;
    if (this.markupEnd - this.markupAt < count * 4 && !this.openMarkupWindow(count * 4)) return false;
    const view = this.memoryView;
    const at = this.markupAt;
    for (let i = 0; i < count; i++) view.setInt32(at + 4 * i, words[i], true);
    this.markupAt = at + length;
    return true;
  }

  /**
   * Writes `value` into the markup window, escaping as it copies, if every UTF-16 unit
   * is ASCII and not refused by `escapes` (128 entries: 0 copies the unit, 1–7 writes that entry of
   * `references` instead, ASCII_STOP refuses it). 1 if written; 0 if a unit is refused (nothing
   * is written: the caller takes the general path); -1 if the ring has no room for it now.
   */
  writeAsciiEscaped(value: string, escapes: Uint8Array, references: readonly Uint8Array[]): 1 | 0 | -1 {
    const length = value.length;
    // A reference is at most 6 bytes (&quot;).
    if (this.markupEnd - this.markupAt < length * 6 && !this.openMarkupWindow(length * 6)) return -1;
    const memory = this.memory;
    let at = this.markupAt;
    for (let i = 0; i < length; i++) {
      const code = value.charCodeAt(i);
      if (code >= 0x80) return 0;
      const reference = escapes[code];
      if (reference === 0) {
        memory[at++] = code;
        continue;
      }
      if (reference === ASCII_STOP) return 0;
      const bytes = references[reference];
      for (let k = 0; k < bytes.length; k++) memory[at++] = bytes[k];
    }
    this.markupAt = at;
    return 1;
  }

  /**
   * Checks `length` bytes staged at the start of scratch (XML 1.0 §2.2 Char over UTF-8) and
   * escapes them into the markup window in one crossing. 0 when written; 1 + the offset of the
   * first invalid byte (nothing written); -1 if the ring has no window of 6 bytes per byte now.
   */
  escapeStagedIntoMarkup(length: number, attribute: boolean): number {
    const need = length * 6;
    if (this.markupEnd - this.markupAt < need && !this.openMarkupWindow(need)) return -1;
    const written = this.core.escapeCheckedInto(this.scratch.byteOffset, length, this.markupAt, attribute ? 1 : 0);
    if (written < 0) return -written;
    this.markupAt += written;
    return 0;
  }

  /** Commits the open markup window and opens one of at least `need` bytes; false if the ring has none now. */
  private openMarkupWindow(need: number): boolean {
    this.commitMarkup();
    const ptr = this.core.ringReserve(need, Math.max(need, MARKUP_WINDOW));
    if (ptr === 0) return false;
    this.markupStart = this.markupAt = this.markupScanned = ptr;
    this.markupEnd = ptr + this.core.ringReservedLength();
    return true;
  }

  /**
   * Commits the markup window's bytes and closes it; those not yet fed to the boundary scan
   * (collisionOffset) are scanned now.
   */
  private commitMarkup(): void {
    if (this.markupEnd === 0) return;
    const length = this.markupAt - this.markupStart;
    const scanned = this.markupScanned - this.markupStart;
    this.markupAt = this.markupEnd = this.markupStart = this.markupScanned = 0;
    this.core.ringCommitRest(length, scanned);
  }

  /** Commits the first n bytes of the last reservation; they are scanned for the boundary. */
  commit(n: number): void {
    this.commitMarkup();
    const reserved = this.core.ringReservedLength();
    if (this.core.ringCommit(n) < 0)
      throw invalidArg(`a commit of ${n} bytes exceeds the ${reserved}-byte reservation`);
  }

  /** The committed, unreleased bytes as one or two views, oldest first. */
  spans(): Uint8Array[] {
    this.commitMarkup();
    const count = this.core.ringSpans();
    const w = this.spanWords;
    const views: Uint8Array[] = [];
    for (let i = 0; i < count; i++) views.push(this.memory.subarray(w[2 * i], w[2 * i] + w[2 * i + 1]));
    return views;
  }

  /** Frees the n oldest committed bytes (those handed out and returned). */
  release(n: number): void {
    this.commitMarkup();
    const used = this.core.ringUsed();
    if (this.core.ringRelease(n) < 0) throw invalidArg(`a release of ${n} bytes exceeds the ${used} committed`);
  }

  get used(): number {
    this.commitMarkup();
    return this.core.ringUsed();
  }

  get contiguousFree(): number {
    this.commitMarkup();
    return this.core.ringContiguousFree();
  }

  /** Every byte ever committed to the ring (exact past 4 GiB). */
  get bytesCommitted(): number {
    this.commitMarkup();
    return this.core.bytesCommitted();
  }

  /**
   * Where the boundary was found in the current part, or -1. Markup written since the last look
   * is fed to the scan where it is, in the open window, which stays open for the next markup.
   */
  collisionOffset(): number {
    const pending = this.markupAt - this.markupScanned;
    let found: number;
    if (pending > 0) {
      // scanFeed answers the found flag itself: one crossing.
      found = this.core.scanFeed(this.markupScanned, pending);
      this.markupScanned = this.markupAt;
    } else found = this.core.status();
    return found === 1 ? this.core.scanFoundOffset() : -1;
  }

  setScanning(on: boolean): void {
    this.commitMarkup();
    this.core.scanEnable(on ? 1 : 0);
  }

  // Moving staged scratch bytes into the ring. Each returns how many source bytes it consumed;
  // fewer than asked means the ring is full and must be drained first.

  copyFromScratch(offset: number, length: number): number {
    this.commitMarkup();
    return this.core.ringWrite(this.core.scratchPtr() + offset, length);
  }

  /** Base64 (RFC 4648 §4) of scratch bytes into the ring, carrying 0–2 bytes between calls. */
  base64FromScratch(offset: number, length: number): number {
    this.commitMarkup();
    return this.core.base64Write(this.core.scratchPtr() + offset, length);
  }

  /**
   * Base64 (RFC 4648 §4) of bytes[offset, offset + length) into the ring, carrying 0–2 bytes
   * between calls: as many as fit in one ring window are copied to its end and encoded in place,
   * so the bytes cross into memory once and need no scratch. Returns the bytes consumed.
   */
  base64FromBytes(bytes: Uint8Array, offset: number, length: number): number {
    this.commitMarkup();
    const want = Math.min(this.sizes.ringSize, Math.ceil(length / 3) * 4 + BASE64_MIN_WINDOW);
    const ptr = this.core.ringReserve(BASE64_MIN_WINDOW, want);
    if (ptr === 0) return 0;
    const reserved = this.core.ringReservedLength();
    const n = Math.min(length, this.core.base64ReservedInput(reserved));
    this.memory.set(bytes.subarray(offset, offset + n), ptr + reserved - n);
    return this.core.base64WriteReserved(n);
  }

  /** Writes the final padded quantum; false if the ring has no room for it yet. */
  base64Finish(): boolean {
    this.commitMarkup();
    return this.core.base64Finish() >= 0;
  }

  base64Reset(): void {
    this.core.base64Reset();
  }

  /** Offset of the first byte that is malformed UTF-8 or not an XML 1.0 Char, or -1. */
  findInvalidInScratch(offset: number, length: number): number {
    const at = this.core.xmlFindInvalid(this.core.scratchPtr() + offset, length);
    return at < 0 ? -1 : at;
  }

  /** XML-escapes scratch bytes into the ring (text or double-quoted attribute value rules). */
  escapeFromScratch(offset: number, length: number, attribute: boolean): number {
    this.commitMarkup();
    return this.core.escapeWrite(this.core.scratchPtr() + offset, length, attribute ? 1 : 0);
  }

  // MIME framing (assembly/mime.ts).

  /** Sets the MIME boundary for the parts that follow and scans for it in their bodies. */
  setBoundary(boundary: string): void {
    this.commitMarkup();
    const written = this.stage(boundary, 0);
    if (this.core.mimeSetBoundary(this.core.scratchPtr(), written) !== 0) {
      throw invalidArg(`a MIME boundary is 1 to 70 bytes (RFC 2046 §5.1.1), not ${written}`);
    }
  }

  /**
   * Writes a delimiter and part headers; false if the ring has no contiguous room yet.
   * `extraHeaders` are checked header lines, each ending in CRLF ('' for none).
   */
  writePartHeader(
    first: boolean,
    contentId: string,
    contentType: string,
    transferEncoding: string,
    extraHeaders = '',
  ): boolean {
    this.commitMarkup();
    const base = this.core.scratchPtr();
    const typeAt = this.stage(contentId, 0);
    const encAt = this.stage(contentType, typeAt);
    const extraAt = this.stage(transferEncoding, encAt);
    const end = this.stage(extraHeaders, extraAt);
    const written = this.core.mimeWritePartHeader(
      first ? 1 : 0,
      base,
      typeAt,
      base + typeAt,
      encAt - typeAt,
      base + encAt,
      extraAt - encAt,
      base + extraAt,
      end - extraAt,
    );
    return written >= 0;
  }

  /**
   * Writes `value` as UTF-8 into scratch at `at` and returns where it ends: ASCII (header
   * values, checked before they come here) by a plain loop, anything else through TextEncoder.
   */
  private stage(value: string, at: number): number {
    const scratch = this.scratch;
    const length = value.length;
    for (let i = 0; i < length; i++) {
      const code = value.charCodeAt(i);
      if (code >= 0x80) return at + i + textEncoder.encodeInto(value.slice(i), scratch.subarray(at + i)).written;
      scratch[at + i] = code;
    }
    return at + length;
  }

  /** Bytes writePartHeader writes for these values (the core's own count, never mirrored). */
  partHeaderLength(
    first: boolean,
    contentId: string,
    contentType: string,
    transferEncoding: string,
    extraHeaders = '',
  ): number {
    return this.core.mimePartHeaderLength(
      first ? 1 : 0,
      utf8Length(contentId),
      utf8Length(contentType),
      utf8Length(transferEncoding),
      utf8Length(extraHeaders),
    );
  }

  /** Bytes writeClose writes. */
  closeLength(): number {
    return this.core.mimeCloseLength();
  }

  /** Writes the close delimiter; false if the ring has no room yet. */
  writeClose(): boolean {
    this.commitMarkup();
    return this.core.mimeWriteClose() >= 0;
  }
}

// ---------------------------------------------------------------------------------------------
// The reader's core (assembly/reader-memory.ts, boundary.ts, base64-decode.ts): an instance of
// its own with an input window, a decode output area and a staging area for text, instead of a ring.
// ---------------------------------------------------------------------------------------------

/** The core's reader exports. */
type ReaderExports = {
  readerInit(windowCapacity: number, outputCapacity: number, stagingCapacity: number): number;
  readerWindowPtr(): number;
  readerOutputPtr(): number;
  readerStagingPtr(): number;
  delimiterSet(ptr: number, len: number): number;
  delimiterFind(ptr: number, len: number): number;
  base64DecodeReset(): void;
  base64DecodeWrite(src: number, len: number, dst: number): number;
  base64DecodeFinish(dst: number): number;
  base64DecodeErrorAt(): number;
  base64EncodeSimd(src: number, len: number, dst: number): number;
  simdBuild(): number;
};

export interface ReaderCoreOptions {
  /** Input window capacity in bytes. */
  windowSize: number;
  /** Force the SIMD (`true`) or scalar (`false`) build; default: feature detection. */
  simd?: boolean;
}

/** Output bytes for a window: its decoded size (3/4, plus slack) or its base64 (4/3, plus slack). */
const outputCapacity = (windowSize: number) => Math.ceil(windowSize / 3) * 4 + 64;
/** Characters of text staged for decoding at a time. */
export const STAGING_SIZE = 16 * 1024;

/**
 * One reader instance: input is copied into `window`, searched for the MIME delimiter and decoded
 * from base64 there. Views of the window and of `output` are the reader's own and valid until the
 * next call that changes them; they are never lent to callers.
 */
export class ReaderCore {
  readonly simd: boolean;
  /** Where input is staged: the host copies chunks in and reads content out. */
  readonly window: Uint8Array;
  /** Where base64 decoding writes (and base64 encoding, for readMessage). */
  readonly output: Uint8Array;
  /** Where text (a base64 string) is staged as bytes for decoding. */
  readonly staging: Uint8Array;
  private readonly windowPtr: number;
  private readonly outputPtr: number;
  private readonly stagingPtr: number;

  private constructor(
    private readonly core: ReaderExports,
    buffer: ArrayBuffer,
    windowSize: number,
  ) {
    this.simd = core.simdBuild() === 1;
    this.windowPtr = core.readerWindowPtr();
    this.outputPtr = core.readerOutputPtr();
    this.stagingPtr = core.readerStagingPtr();
    const memory = new Uint8Array(buffer);
    this.window = memory.subarray(this.windowPtr, this.windowPtr + windowSize);
    this.output = memory.subarray(this.outputPtr, this.outputPtr + outputCapacity(windowSize));
    this.staging = memory.subarray(this.stagingPtr, this.stagingPtr + STAGING_SIZE);
  }

  static async create(options: ReaderCoreOptions): Promise<ReaderCore> {
    const simd = options.simd ?? detectSimd();
    const windowSize = options.windowSize;
    const reused = idleReaders.get(`${simd}:${windowSize}`)?.pop();
    if (reused) return reused;
    const outputSize = outputCapacity(windowSize);
    const pages = Math.ceil((STATIC_RESERVE + windowSize + outputSize + STAGING_SIZE + 192) / PAGE);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    const { instance } = await instantiate<ReaderExports>(await compileCore(simd), {
      env: {
        memory,
        abort() {
          throw new Error('mtom-stream core aborted');
        },
      },
    });
    const exports = instance.exports as unknown as ReaderExports;
    if (exports.readerInit(windowSize, outputSize, STAGING_SIZE) !== 0) {
      throw new RangeError('mtom-stream core could not lay out its memory');
    }
    return new ReaderCore(exports, memory.buffer, windowSize);
  }

  /**
   * Hands the instance back for reuse (instantiating costs far more than reading a small
   * message). Only for a reader that ended cleanly: no call of it is pending, and it lends no
   * view of this memory to anyone.
   */
  recycle(): void {
    const key = `${this.simd}:${this.window.length}`;
    const list = idleReaders.get(key) ?? [];
    if (list.length < IDLE_LIMIT) list.push(this);
    idleReaders.set(key, list);
  }

  /** Sets the delimiter searched for: CRLF "--" boundary (RFC 2046 §5.1.1). */
  setDelimiter(delimiter: Uint8Array): void {
    this.output.set(delimiter);
    if (this.core.delimiterSet(this.outputPtr, delimiter.length) !== 0) {
      throw new RangeError('delimiter length out of range');
    }
  }

  /** Index (from `offset`) of the first delimiter in window[offset, offset + length), or -1. */
  findDelimiter(offset: number, length: number): number {
    return this.core.delimiterFind(this.windowPtr + offset, length);
  }

  /** Starts decoding a new base64 text. */
  decodeReset(): void {
    this.core.base64DecodeReset();
  }

  /**
   * Decodes window[offset, offset + length) into `output` from its start; returns the byte
   * count, or -1 for text that is not base64 (`decodeErrorAt` tells where).
   */
  decodeFromWindow(offset: number, length: number): number {
    return this.core.base64DecodeWrite(this.windowPtr + offset, length, this.outputPtr);
  }

  /** Decodes staging[0, length) into `output` from its start, as decodeFromWindow does. */
  decodeFromStaging(length: number): number {
    return this.core.base64DecodeWrite(this.stagingPtr, length, this.outputPtr);
  }

  /** Ends the text: bytes of an unpadded final quantum written to `output` (0–2), or -1 if it was cut. */
  decodeFinish(): number {
    return this.core.base64DecodeFinish(this.outputPtr);
  }

  /** Offset in the last decoded span of the character that failed, or -1. */
  get decodeErrorAt(): number {
    return this.core.base64DecodeErrorAt();
  }

  /** Padded base64 of `bytes` (RFC 4648 §4) as a string, encoded by the core a staging area at a time. */
  encodeBase64(bytes: Uint8Array): string {
    const step = Math.floor(STAGING_SIZE / 3) * 3;
    const pieces: string[] = [];
    for (let at = 0; at < bytes.length; at += step) {
      const chunk = bytes.subarray(at, at + step);
      this.staging.set(chunk);
      const n = this.core.base64EncodeSimd(this.stagingPtr, chunk.length, this.outputPtr);
      pieces.push(asciiDecoder.decode(this.output.subarray(0, n)));
    }
    return pieces.join('');
  }
}

// Base64 is ASCII, which UTF-8 decoding reads fastest.
const asciiDecoder = new TextDecoder('utf-8');

/** Idle reader instances by build and window size, as for writers. */
const idleReaders = new Map<string, ReaderCore[]>();
