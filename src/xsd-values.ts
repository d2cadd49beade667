/**
 * Typed values as XML Schema lexical forms (XML Schema Part 2 §3.2), what WsWriteValue writes for
 * its WS_VALUE_TYPEs: booleans (§3.2.2), numbers as xsd:double (§3.2.5: `INF`, `-INF`, `NaN`,
 * `-0`), bigints as xsd:integer (§3.3.13) and Dates as xsd:dateTime in UTC (§3.2.7).
 */
import { invalidArg } from './errors.js';

/** A value with an XML Schema lexical form (a Uint8Array is binary content, written as base64). */
export type XsdValue = string | boolean | number | bigint | Date;

/** The lexical form of `value`; E_INVALIDARG for a type with none or an invalid Date. */
export function lexicalForm(value: XsdValue): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'number':
      return doubleLexical(value);
    default:
      if (value instanceof Date) return dateTimeLexical(value);
      throw invalidArg('a value is a string, boolean, number, bigint, Date or Uint8Array');
  }
}

/** xsd:double: JavaScript's shortest round-trip form is one of its lexical forms (`1e+21`, `1.5e-7`). */
function doubleLexical(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'INF';
  if (value === -Infinity) return '-INF';
  return Object.is(value, -0) ? '-0' : String(value);
}

/**
 * xsd:dateTime in UTC (`Z`): `YYYY-MM-DDThh:mm:ss[.sss]Z`, milliseconds only when there are some.
 * Years 1–9999 (XML Schema 1.0 has no year 0, and toISOString's 6-digit years are not lexical).
 */
function dateTimeLexical(value: Date): string {
  const time = value.getTime();
  if (Number.isNaN(time)) throw invalidArg('an invalid Date has no xsd:dateTime form');
  const year = value.getUTCFullYear();
  if (year < 1 || year > 9999) throw invalidArg(`the year ${year} is outside 1–9999, which xsd:dateTime writes`);
  return value.toISOString().replace('.000Z', 'Z');
}
