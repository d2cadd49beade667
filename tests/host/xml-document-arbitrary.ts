// Random XML documents for the round-trip properties: elements with attributes and text, and
// binary content (of a shape each test chooses) as the only child of its element.
import fc from 'fast-check';

export type XmlDocumentNode<B> =
  | { type: 'element'; ns: string; name: string; attributes: [string, string][]; children: XmlDocumentNode<B>[] }
  | { type: 'text'; value: string }
  | { type: 'binary'; binary: B };

/** Documents whose names, namespaces, text and binary content come from the arbitraries given. */
export function xmlDocument<B>(parts: {
  name: fc.Arbitrary<string>;
  ns: fc.Arbitrary<string>;
  text: fc.Arbitrary<string>;
  binary: fc.Arbitrary<B>;
}): fc.Arbitrary<XmlDocumentNode<B>> {
  type Node = XmlDocumentNode<B>;
  const { name, ns, text, binary } = parts;
  const node: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      text.map((value): Node => ({ type: 'text', value })),
      fc.record({
        type: fc.constant('element' as const),
        ns,
        name,
        attributes: fc.uniqueArray(fc.tuple(name, text), { maxLength: 3, selector: ([k]) => k }),
        children: fc.oneof(
          fc.array(tie('node'), { maxLength: 4 }).map((children) => children.filter((c) => c.type !== 'binary')),
          binary.map((b): Node[] => [{ type: 'binary', binary: b }]),
        ),
      }),
    ),
  })).node;
  return fc.record({
    type: fc.constant('element' as const),
    ns,
    name,
    attributes: fc.constant([] as [string, string][]),
    children: fc.array(node, { maxLength: 5 }),
  });
}
