"""What a refused console form shows (console/field_macros.html), read from the page as a browser would:
each refused field (marked aria-invalid) with the message it is described by, and the summary at the top."""
from html.parser import HTMLParser


class _Page(HTMLParser):
    def __init__(self, html):
        super().__init__()
        self.texts = {}  # the text of each element with an id that holds text (a message, the summary)
        self.invalid = []  # (field name, ids it is described by) of each element marked invalid, in page order
        self._open = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("aria-invalid") == "true":
            self.invalid.append((attrs.get("name") or attrs.get("data-name"), (attrs.get("aria-describedby") or "").split()))
        if tag in ("p", "span") and attrs.get("id"):
            self._open.append((tag, attrs["id"]))
            self.texts[attrs["id"]] = ""

    def handle_endtag(self, tag):
        if self._open and self._open[-1][0] == tag:
            self._open.pop()

    def handle_data(self, data):
        for _, element_id in self._open:
            self.texts[element_id] += data


def at_fields(response):
    """{field name: the message it is described by} of a refused form's page, in page order."""
    page = _Page(response.get_data(as_text=True))
    return {name: " ".join(page.texts.get(i, "") for i in described if i.endswith("-error")).strip()
            for name, described in page.invalid}


def summary(response):
    """The line at the top of a refused form's page (有 N 处需要修改：…), or None."""
    return _Page(response.get_data(as_text=True)).texts.get("refusal-summary")
