/**
 * Typed errors. The codes and HRESULTs mirror the Windows Web Services API
 * (webservices.h / winerror.h), so that code ported from WWSAPI can branch on them.
 */
export const ErrorCodes = {
  /** One or more arguments are invalid. */
  E_INVALIDARG: 0x80070057,
  /** The input data was not in the expected format, or the writer cannot format it. */
  WS_E_INVALID_FORMAT: 0x803d0000,
  /** The object is faulted due to a previous error. */
  WS_E_OBJECT_FAULTED: 0x803d0001,
  /** The operation is not allowed due to the current state of the object. */
  WS_E_INVALID_OPERATION: 0x803d0003,
  /** The operation was aborted. */
  WS_E_OPERATION_ABORTED: 0x803d0004,
  /** A quota was exceeded. */
  WS_E_QUOTA_EXCEEDED: 0x803d0008,
} as const;

export type XmlWriterErrorCode = keyof typeof ErrorCodes;

/**
 * The one error type the writer throws. `code` is stable and names the WWSAPI error it mirrors;
 * `hresult` is that error's number. The first failure faults the writer: later calls throw
 * `WS_E_OBJECT_FAULTED` with the first failure as `cause`.
 *
 * @example
 * try {
 *   writer.writeStartElement('', 'not a name', 'urn:example');
 * } catch (error) {
 *   if (error instanceof XmlWriterError && error.code === 'E_INVALIDARG') console.error(error.message);
 * }
 */
export class XmlWriterError extends Error {
  override readonly name = 'XmlWriterError';
  /** Stable string code, e.g. `WS_E_QUOTA_EXCEEDED`. */
  readonly code: XmlWriterErrorCode;
  /** The HRESULT that WWSAPI returns for the same failure, as an unsigned 32-bit number. */
  readonly hresult: number;

  constructor(code: XmlWriterErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.hresult = ErrorCodes[code];
  }
}

export const invalidArg = (message: string) => new XmlWriterError('E_INVALIDARG', message);
export const invalidOperation = (message: string) => new XmlWriterError('WS_E_INVALID_OPERATION', message);
export const invalidFormat = (message: string) => new XmlWriterError('WS_E_INVALID_FORMAT', message);
export const quotaExceeded = (message: string) => new XmlWriterError('WS_E_QUOTA_EXCEEDED', message);
export const operationAborted = (message: string, cause?: unknown) =>
  new XmlWriterError('WS_E_OPERATION_ABORTED', message, { cause });
/**
 * An attachment source that could not deliver its bytes (a missing file, a stream that errored):
 * WS_E_INVALID_FORMAT with the source's own error as its cause. A writer error passes as it is.
 */
export const sourceFailed = (cause: unknown): XmlWriterError =>
  cause instanceof XmlWriterError
    ? cause
    : new XmlWriterError(
        'WS_E_INVALID_FORMAT',
        `the attachment source failed${cause instanceof Error ? `: ${cause.message}` : ''}`,
        { cause },
      );
/** A call on a faulted writer: `cause` is the failure that faulted it. */
export const objectFaulted = (cause: unknown) =>
  new XmlWriterError(
    'WS_E_OBJECT_FAULTED',
    `the writer is faulted by an earlier failure${cause instanceof Error ? `: ${cause.message}` : ''}`,
    { cause },
  );
