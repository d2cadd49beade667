/**
 * The nodes a reader yields (WsReadNode's WS_XML_NODE kinds). Names are as written in the
 * document; namespaces are resolved.
 */

export interface XmlNamespaceDeclaration {
  /** The declared prefix; '' for a default namespace declaration (`xmlns="…"`). */
  prefix: string;
  /** The namespace URI; '' undeclares the default namespace. */
  namespace: string;
}

export interface XmlAttribute {
  /** The prefix as written; '' for none. */
  prefix: string;
  localName: string;
  /** The namespace URI the prefix resolves to; '' for an unprefixed attribute. */
  namespace: string;
  /** The value with entity and character references resolved and whitespace normalized (XML 1.0 §3.3.3). */
  value: string;
}

/** A start tag (WS_XML_NODE_TYPE_ELEMENT). */
export interface ElementNode {
  type: 'element';
  /** The prefix as written; '' for none. */
  prefix: string;
  localName: string;
  /** The element's namespace URI; '' for none. */
  namespace: string;
  /** The namespace declarations on this start tag, in document order. */
  namespaces: XmlNamespaceDeclaration[];
  /** Its attributes, without the namespace declarations, in document order. */
  attributes: XmlAttribute[];
}

/** Character data between markup, adjacent runs joined (WS_XML_NODE_TYPE_TEXT). */
export interface TextNode {
  type: 'text';
  /** The text with references resolved and line ends normalized. */
  value: string;
}

/** A CDATA section (WS_XML_NODE_TYPE_CDATA with its text). */
export interface CdataNode {
  type: 'cdata';
  value: string;
}

/** A comment (WS_XML_NODE_TYPE_COMMENT). */
export interface CommentNode {
  type: 'comment';
  /** The text between `<!--` and `-->`. */
  value: string;
}

/** An end tag (WS_XML_NODE_TYPE_END_ELEMENT). */
export interface EndNode {
  type: 'end';
}

/**
 * The binary content of the current element, sent as a MIME part and referenced by an
 * `xop:Include` (XOP §3), which is never surfaced itself. Read it with `readBytes` or
 * `bytesStream()` while this is the current node.
 */
export interface BytesNode {
  type: 'bytes';
  /** The part's Content-ID without angle brackets: the `href` after `cid:`, %-escapes decoded (RFC 2392). */
  contentId: string;
  /** The part's Content-Type header; `application/octet-stream` if it has none. */
  contentType: string;
  /** The decoded size in bytes when known before reading: a part held in memory; else undefined. */
  size?: number;
  /** The part's MIME headers by lower-case name. */
  headers: Record<string, string>;
}

export type XmlNode = ElementNode | TextNode | CdataNode | CommentNode | EndNode | BytesNode;
