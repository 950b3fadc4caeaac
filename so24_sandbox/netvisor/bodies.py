"""Reading a POSTed Netvisor message: its encoding, safe parsing and the element rules.

Encoding (reference §1, a conflict between the vendor and a working client, hence both):
- a charset in Content-Type wins (`text/xml; charset=utf-8`);
- else an XML declaration's encoding;
- else `behaviour.default_request_encoding` (ISO-8859-15, the vendor's rule: "no XML declaration
  needed, the body starts with <root>"). A UTF-8 body sent without saying so is then read as
  ISO-8859-15 and stored garbled, as Netvisor would store it.

Parsing forbids entities, DTDs and network access; a DOCTYPE is refused. Element names are matched
case-insensitively (the documentation writes `customerbaseinformation`, a client sends
`CustomerBaseInformation`, both work per reference §5.1). Each message has a schema: the children
a parent may hold, in DTD order; an unknown element is INVALID_DATA naming it (Netvisor validates
against its DTD), and with `behaviour.enforce_element_order` so is an element out of order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from so24_sandbox.netvisor.statuses import invalid

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_CHARSET = re.compile(r"charset\s*=\s*\"?([A-Za-z0-9._-]+)", re.IGNORECASE)


@dataclass
class Node:
    """One element: lower-cased tag and attribute names, the text (None when empty), children."""

    tag: str
    text: str | None
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)

    def child(self, tag: str) -> Node | None:
        return next((c for c in self.children if c.tag == tag), None)

    def all(self, tag: str) -> list[Node]:
        return [c for c in self.children if c.tag == tag]


def _decode(body: bytes, content_type: str, default_encoding: str) -> etree._Element:
    charset = _CHARSET.search(content_type or "")
    try:
        if charset:
            text = body.decode(charset.group(1))
            text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
            return etree.fromstring(text, _PARSER)
        if body.lstrip().startswith(b"<?xml"):
            return etree.fromstring(body, _PARSER)
        return etree.fromstring(body.decode(default_encoding), _PARSER)
    except (LookupError, UnicodeDecodeError):
        raise invalid("the message cannot be decoded with its character set") from None
    except etree.XMLSyntaxError as exc:
        raise invalid(f"the message is not well-formed XML ({exc.msg})") from None


def _node(element: etree._Element) -> Node:
    text = (element.text or "").strip() or None
    attrs = {str(k).lower(): str(v) for k, v in element.attrib.items()}
    children = [_node(c) for c in element if isinstance(c.tag, str)]
    if children:
        text = None
    return Node(str(element.tag).lower(), text, attrs, children)


def read_message(body: bytes, content_type: str, default_encoding: str) -> Node:
    """The root's single child (`customer`, `product`, `vendor`) as a Node tree."""
    if not body.strip():
        raise invalid("the message is empty")
    root = _decode(body, content_type, default_encoding)
    if root.getroottree().docinfo.doctype:
        raise invalid("a DOCTYPE is not allowed")
    tree = _node(root)
    if tree.tag != "root" or len(tree.children) != 1:
        raise invalid("the message must be <root> holding one element")
    return tree.children[0]


Schema = dict[str, tuple[str, ...]]


def check(node: Node, schema: Schema, *, ordered: bool, repeatable: frozenset[str] = frozenset()) -> None:
    """Refuse elements the schema does not name, repeats, and (when `ordered`) DTD-order breaks."""
    allowed = schema.get(node.tag)
    if allowed is None:
        if node.children:
            raise invalid(f"element {node.tag} cannot hold elements")
        return
    last = -1
    seen: set[str] = set()
    for child in node.children:
        if child.tag not in allowed:
            raise invalid(f"unknown element {child.tag} in {node.tag}")
        if child.tag in seen and child.tag not in repeatable:
            raise invalid(f"element {child.tag} appears twice in {node.tag}")
        seen.add(child.tag)
        position = allowed.index(child.tag)
        if ordered and position < last:
            raise invalid(f"element {child.tag} is out of order in {node.tag}")
        last = position
        check(child, schema, ordered=ordered, repeatable=repeatable)
