"""A page's HTML as a flat list of elements, with the text inside each, for plain checks.

The standard library's parser is enough: the checks look at attributes, labels,
headings and text, never at layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    ancestors: tuple[str, ...] = ()

    def has(self, name: str) -> bool:
        return name in self.attrs

    def __getitem__(self, name: str) -> str:
        return self.attrs[name]


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(
            tag,
            {name: value or "" for name, value in attrs},
            ancestors=tuple(open_.tag for open_ in self._open),
        )
        self.elements.append(element)
        if tag not in _VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self._open) - 1, -1, -1):
            if self._open[depth].tag == tag:
                del self._open[depth:]
                return

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        return [
            element
            for element in self.elements
            if (tag is None or element.tag == tag)
            and all(
                element.attrs.get(name.replace("_", "-")) == value for name, value in attrs.items()
            )
        ]

    def with_attr(self, name: str) -> list[Element]:
        return [element for element in self.elements if name in element.attrs]

    def by_id(self, element_id: str) -> Element | None:
        found = [element for element in self.elements if element.attrs.get("id") == element_id]
        assert len(found) <= 1, f"id {element_id!r} is used {len(found)} times"
        return found[0] if found else None

    def text_of(self, tag: str) -> str:
        return " ".join(" ".join(element.text.split()) for element in self.all(tag))


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page
