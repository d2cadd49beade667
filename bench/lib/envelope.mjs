// A ~2 KB SOAP 1.2 request (WS-Addressing headers, a document-literal body with escaped text, a
// list, an empty element) written three ways that give the same bytes: through the writer, as a
// template string (what SOAP clients on npm do), and as a fast-xml-parser XMLBuilder object.
import { SOAP12, XMIME } from './mtom.mjs';

export const WSA = 'http://www.w3.org/2005/08/addressing';
export const SVC = 'urn:example:documents:2024';

/** The message's data (the same object feeds every way of writing it). */
export function sampleData(n = 0) {
  return {
    action: `${SVC}/IDocumentService/SubmitDocument`,
    messageId: `urn:uuid:6b29fc40-ca47-1067-b31d-00dd010662d${n % 10}`,
    to: 'https://documents.example.com/services/DocumentService.svc',
    replyTo: 'http://www.w3.org/2005/08/addressing/anonymous',
    documentId: 1000 + n,
    title: 'Quarterly report Q3 <draft> & appendix',
    author: 'Jane Doe & Partners',
    created: '2024-09-30T17:45:12.345Z',
    department: 'Finance > Reporting',
    tags: ['finance', 'quarterly', 'report', 'q3', 'draft', 'internal', 'pdf', 'signed'],
    description:
      'This document contains the quarterly financial report for the third quarter, including the ' +
      'balance sheet, the income statement and the cash flow statement. Figures are preliminary and ' +
      'subject to audit; totals may not add up due to rounding. Values < 0 are losses & are shown ' +
      'in parentheses. Distribution is limited to the finance and executive teams until the official ' +
      'release date. Please contact the reporting team for questions about the methodology, the ' +
      'consolidation scope or the currency conversion rates used for the foreign subsidiaries.',
    fileName: 'report-q3-2024.pdf',
    contentType: 'application/pdf',
    size: 102400,
    checksum: 'sha256:3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b',
    retention: 'P7Y',
    owner: { id: 'u-20481', name: 'Jane Doe', email: 'jane.doe@example.com' },
  };
}

// ---- the writer (XmlWriter calls) ----

/** Writes the envelope; `content(w)` writes the m:Content element's content, or omit it. */
export function writeEnvelope(w, d, content) {
  w.writeStartElement('s', 'Envelope', SOAP12);
  w.writeXmlnsAttribute('a', WSA);
  w.writeXmlnsAttribute('m', SVC);
  if (content) w.writeXmlnsAttribute('xmime', XMIME);
  w.writeStartElement('s', 'Header', SOAP12);
  const header = (name, value, mustUnderstand) => {
    w.writeStartElement('a', name, WSA);
    if (mustUnderstand) w.writeAttribute('s', 'mustUnderstand', SOAP12, '1');
    w.writeChars(value);
    w.writeEndElement();
  };
  header('Action', d.action, true);
  header('MessageID', d.messageId, false);
  w.writeStartElement('a', 'ReplyTo', WSA);
  header('Address', d.replyTo, false);
  w.writeEndElement();
  header('To', d.to, true);
  w.writeEndElement();
  w.writeStartElement('s', 'Body', SOAP12);
  w.writeStartElement('m', 'SubmitDocument', SVC);
  w.writeStartElement('m', 'Document', SVC);
  w.writeAttribute('', 'id', '', String(d.documentId));
  const field = (name, value) => {
    w.writeStartElement('m', name, SVC);
    w.writeChars(String(value));
    w.writeEndElement();
  };
  field('Title', d.title);
  field('Author', d.author);
  field('Created', d.created);
  field('Department', d.department);
  w.writeStartElement('m', 'Tags', SVC);
  for (const tag of d.tags) field('Tag', tag);
  w.writeEndElement();
  field('Description', d.description);
  w.writeStartElement('m', 'Owner', SVC);
  field('Id', d.owner.id);
  field('Name', d.owner.name);
  field('Email', d.owner.email);
  w.writeEndElement();
  w.writeStartElement('m', 'Retention', SVC);
  w.writeAttribute('', 'period', '', d.retention);
  w.writeEndElement();
  w.writeStartElement('m', 'Flags', SVC);
  w.writeEndElement();
  w.writeStartElement('m', 'File', SVC);
  field('Name', d.fileName);
  field('Size', d.size);
  field('Checksum', d.checksum);
  if (content) {
    w.writeStartElement('m', 'Content', SVC);
    w.writeAttribute('xmime', 'contentType', XMIME, d.contentType);
    content(w);
    w.writeEndElement();
  }
  w.writeEndElement(); // File
  w.writeEndElement(); // Document
  w.writeEndElement(); // SubmitDocument
  w.writeEndElement(); // Body
  w.writeEndElement(); // Envelope
}

// ---- template strings (the way SOAP clients on npm build requests) ----

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The envelope as one template string; `include` is the m:Content element's inner XML or undefined. */
export function templateEnvelope(d, include) {
  return (
    `<s:Envelope xmlns:s="${SOAP12}" xmlns:a="${WSA}" xmlns:m="${SVC}"` +
    `${include === undefined ? '' : ` xmlns:xmime="${XMIME}"`}>` +
    `<s:Header><a:Action s:mustUnderstand="1">${esc(d.action)}</a:Action>` +
    `<a:MessageID>${esc(d.messageId)}</a:MessageID>` +
    `<a:ReplyTo><a:Address>${esc(d.replyTo)}</a:Address></a:ReplyTo>` +
    `<a:To s:mustUnderstand="1">${esc(d.to)}</a:To></s:Header>` +
    `<s:Body><m:SubmitDocument><m:Document id="${d.documentId}">` +
    `<m:Title>${esc(d.title)}</m:Title><m:Author>${esc(d.author)}</m:Author>` +
    `<m:Created>${esc(d.created)}</m:Created><m:Department>${esc(d.department)}</m:Department>` +
    `<m:Tags>${d.tags.map((t) => `<m:Tag>${esc(t)}</m:Tag>`).join('')}</m:Tags>` +
    `<m:Description>${esc(d.description)}</m:Description>` +
    `<m:Owner><m:Id>${esc(d.owner.id)}</m:Id><m:Name>${esc(d.owner.name)}</m:Name>` +
    `<m:Email>${esc(d.owner.email)}</m:Email></m:Owner>` +
    `<m:Retention period="${esc(d.retention)}"/><m:Flags/>` +
    `<m:File><m:Name>${esc(d.fileName)}</m:Name><m:Size>${d.size}</m:Size><m:Checksum>${esc(d.checksum)}</m:Checksum>` +
    (include === undefined ? '' : `<m:Content xmime:contentType="${esc(d.contentType)}">${include}</m:Content>`) +
    `</m:File></m:Document></m:SubmitDocument></s:Body></s:Envelope>`
  );
}

// ---- fast-xml-parser XMLBuilder ----

export const BUILDER_OPTIONS = {
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: true,
  format: false,
};

/** The envelope (without attachment) as the object XMLBuilder takes. */
export function builderObject(d) {
  return {
    's:Envelope': {
      '@_xmlns:s': SOAP12,
      '@_xmlns:a': WSA,
      '@_xmlns:m': SVC,
      's:Header': {
        'a:Action': { '@_s:mustUnderstand': '1', '#text': d.action },
        'a:MessageID': d.messageId,
        'a:ReplyTo': { 'a:Address': d.replyTo },
        'a:To': { '@_s:mustUnderstand': '1', '#text': d.to },
      },
      's:Body': {
        'm:SubmitDocument': {
          'm:Document': {
            '@_id': d.documentId,
            'm:Title': d.title,
            'm:Author': d.author,
            'm:Created': d.created,
            'm:Department': d.department,
            'm:Tags': { 'm:Tag': d.tags },
            'm:Description': d.description,
            'm:Owner': { 'm:Id': d.owner.id, 'm:Name': d.owner.name, 'm:Email': d.owner.email },
            'm:Retention': { '@_period': d.retention },
            'm:Flags': '',
            'm:File': { 'm:Name': d.fileName, 'm:Size': d.size, 'm:Checksum': d.checksum },
          },
        },
      },
    },
  };
}
