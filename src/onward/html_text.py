"""HTML to readable text. Nothing is rendered and nothing remote is fetched: we only read tags."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

_WHITESPACE = re.compile(r"\s+")
# After these tags a reader sees a line break; marking them before parsing keeps paragraphs.
_BLOCK_END = re.compile(
    r"(<br\b[^>]*>|</(?:p|div|tr|li|h[1-6]|table|ul|ol|blockquote|section|article|header|footer|center)\s*>)",
    re.IGNORECASE,
)
_LINE_MARK = "\u2029"  # paragraph separator: never appears in real HTML text
_DROP = ("script", "style", "head", "title", "noscript", "template", "svg")
_BLANK_RUNS = re.compile(r"\n{3,}")


def html_to_text(html: str) -> str:
    """Visible text of an HTML document, one block per line, entities decoded."""
    if not html:
        return ""
    marked = _BLOCK_END.sub(lambda m: m.group(0) + _LINE_MARK, _WHITESPACE.sub(" ", html))
    tree = LexborHTMLParser(marked)
    tree.strip_tags(list(_DROP))
    root = tree.body or tree.root
    if root is None:
        return ""
    text = root.text(deep=True, separator="")
    lines = (_WHITESPACE.sub(" ", line).strip() for line in text.split(_LINE_MARK))
    joined = "\n".join(lines)
    return _BLANK_RUNS.sub("\n\n", joined).strip()
