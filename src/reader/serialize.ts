/**
 * Reader nodes back to XML text (XML 1.0 §2.4, §3.1): the markup readMessage returns. Start tags
 * keep their prefixes and namespace declarations; text and attribute values are escaped so that
 * a parser reads back the same characters (CR and, in attributes, TAB/LF as references).
 */
import type { ElementNode } from './nodes.js';

const TEXT_SPECIAL = /[&<>\r]/g;
const ATTRIBUTE_SPECIAL = /[&<>"\t\n\r]/g;
const REFERENCES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#x9;',
  '\n': '&#xA;',
  '\r': '&#xD;',
};

export const escapeText = (value: string) => value.replace(TEXT_SPECIAL, (c) => REFERENCES[c]);
export const escapeAttribute = (value: string) => value.replace(ATTRIBUTE_SPECIAL, (c) => REFERENCES[c]);

const qualified = (prefix: string, localName: string) => (prefix ? `${prefix}:${localName}` : localName);

/** The start tag of an element node, with its namespace declarations and attributes. */
export function startTag(node: ElementNode): string {
  let tag = `<${qualified(node.prefix, node.localName)}`;
  for (const { prefix, namespace } of node.namespaces) {
    tag += ` ${prefix ? `xmlns:${prefix}` : 'xmlns'}="${escapeAttribute(namespace)}"`;
  }
  for (const a of node.attributes) tag += ` ${qualified(a.prefix, a.localName)}="${escapeAttribute(a.value)}"`;
  return `${tag}>`;
}

export const endTag = (node: ElementNode) => `</${qualified(node.prefix, node.localName)}>`;

/** A CDATA section; "]]>" inside is split across two sections. */
export const cdataSection = (value: string) => `<![CDATA[${value.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;

/** A comment as read (the parser has already refused "--" inside one). */
export const comment = (value: string) => `<!--${value}-->`;
