"""HTML to readable text. Nothing is rendered and nothing remote is fetched: we only read tags.

This runs for most mail, so it is written for speed, with the output of the plain version (collapse
every whitespace run to one space, mark block ends, parse, split the text at the marks, collapse and
trim each line): tests/test_parsing_fastpath.py holds the two equal on every HTML mail we have.
Whitespace is collapsed with str.split and str.join, which split on exactly the characters the regex
class \\s matches. Most HTML needs no collapsing before parsing at all: the parser reads any run of
HTML whitespace as it reads one space, and the text is collapsed line by line afterwards. Only
whitespace that is not HTML whitespace (such as U+00A0) and the newline that <pre>, <textarea> and
<listing> drop after their start tag make the parse differ, so only such HTML is collapsed first.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

# After these tags a reader sees a line break; marking them before parsing keeps paragraphs.
_BLOCK_END = r"br\b[^>]*>|/(?:p|div|tr|li|h[1-6]|table|ul|ol|blockquote|section|article|header|footer|center)\s*>"
# Start tags of the elements whose text we drop, and of those that drop a newline right after
# their start tag. The parser makes these elements only from their start tags, so the scan that
# marks block ends also tells which whitespace rules apply and which tree walks can be skipped.
_SPECIAL_TAG = r"pre|textarea|listing|script|style|title|noscript|template|svg"
_TAG = re.compile(rf"<(?:({_SPECIAL_TAG})|{_BLOCK_END})", re.IGNORECASE)
_DROPS_LEADING_NEWLINE = frozenset(("pre", "textarea", "listing"))
_DROP = ("script", "style", "head", "title", "noscript", "template", "svg")
_LINE_MARK = "\u2029"  # paragraph separator: collapsing turns any in the HTML into a space
# Characters that str.split and \\s take for whitespace but the HTML parser reads as text.
_NON_HTML_SPACES = tuple("\x0b\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
                         "\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_ASCII_NON_HTML_SPACES = tuple(space for space in _NON_HTML_SPACES if space.isascii())
_BLANK_RUN = "\n\n\n"


def html_to_text(html: str) -> str:
    """Visible text of an HTML document, one block per line, entities decoded."""
    if not html:
        return ""
    if _has_non_html_space(html):
        marked, present = _mark_blocks(_collapse_whitespace(html))
    else:
        marked, present = _mark_blocks(html)
        if present & _DROPS_LEADING_NEWLINE:
            marked = _mark_blocks(_collapse_whitespace(html))[0]
    tree = LexborHTMLParser(marked)
    # head is always there; removing it also makes selectolax look up the body again (which
    # matters in a frameset document)
    tree.strip_tags([tag for tag in _DROP if tag in present or tag == "head"])
    root = tree.body or tree.root
    if root is None:
        return ""
    text = root.text(deep=True, separator="")
    # each line with its whitespace collapsed and trimmed; then at most one blank line in a row
    joined = "\n".join([" ".join(line.split()) for line in text.split(_LINE_MARK)])
    while _BLANK_RUN in joined:  # str.replace beats re.sub(r"\n{3,}", ...) here; runs are short
        joined = joined.replace(_BLANK_RUN, "\n\n")
    return joined.strip()


def _mark_blocks(html: str) -> tuple[str, set[str]]:
    """`html` with a line mark after each block end, and the special tags (lower case) it has."""
    present: set[str] = set()

    def mark(match: re.Match[str]) -> str:
        # a function, not the template "\g<0>\u2029": templates are expanded in Python on 3.11
        special = match.group(1)
        if special is None:
            return match.group() + _LINE_MARK
        present.add(special.lower())
        return match.group()

    return _TAG.sub(mark, html), present


def _has_non_html_space(html: str) -> bool:
    # each test is a memchr; str.isascii is O(1)
    return any(space in html for space in (_ASCII_NON_HTML_SPACES if html.isascii() else _NON_HTML_SPACES))


def _collapse_whitespace(text: str) -> str:
    """Every run of whitespace as one space, like re.sub(r"\\s+", " ", text)."""
    words = text.split()
    if not words:
        return " " if text else ""
    joined = " ".join(words)
    if text[0].isspace():
        joined = " " + joined
    if text[-1].isspace():
        joined += " "
    return joined

