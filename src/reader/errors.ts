/**
 * The reader's typed errors: the same codes and HRESULTs as the writer's (WWSAPI's), so callers
 * branch on `code` alike. A reader that throws one is faulted: later calls throw
 * WS_E_OBJECT_FAULTED with the first failure as `cause`.
 */
import { ErrorCodes, type XmlWriterErrorCode } from '../errors.js';

export type XmlReaderErrorCode = XmlWriterErrorCode;

export class XmlReaderError extends Error {
  override readonly name = 'XmlReaderError';
  /** Stable string code, e.g. `WS_E_INVALID_FORMAT`. */
  readonly code: XmlReaderErrorCode;
  /** The HRESULT WWSAPI returns for the same failure, as an unsigned 32-bit number. */
  readonly hresult: number;

  constructor(code: XmlReaderErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.hresult = ErrorCodes[code];
  }
}

export const readerInvalidArg = (message: string) => new XmlReaderError('E_INVALIDARG', message);
export const readerInvalidFormat = (message: string) => new XmlReaderError('WS_E_INVALID_FORMAT', message);
export const readerInvalidOperation = (message: string) => new XmlReaderError('WS_E_INVALID_OPERATION', message);
export const readerQuotaExceeded = (message: string) => new XmlReaderError('WS_E_QUOTA_EXCEEDED', message);
