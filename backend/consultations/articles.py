"""A draft regulation's full text, as pasted, cut into its numbered articles (第一条、第二条……).

An article starts where a line starts with its number (第一条, 第十二条, 第一百零三条, or 第12条); the
words after the number up to the next article are its text. What comes before the first article (the
title, a table of contents) is left out, and so are the headings of chapters and sections (第一章 总则,
第二节) between articles: they are not opinions' subjects. A number cited inside a sentence (依照本条例
第五条) starts nothing, being inside a line.
"""
import re

NUMERAL = "〇零一二三四五六七八九十百千两0-9０-９"
ARTICLE = re.compile(rf"^[ \t\u3000]*(第[{NUMERAL}]+条)(?:之[{NUMERAL}]+)?[ \t\u3000:：]*")
HEADING = re.compile(rf"^[ \t\u3000]*第[{NUMERAL}]+[编章节]([ \t\u3000]|$)")

MAX_ARTICLES = 500
MAX_ARTICLE_CHARS = 5000


class NoArticles(ValueError):
    """The text cannot be cut into articles; the message says why, in Chinese."""


def split_articles(text):
    """``[{"number": "第一条", "text": "..."}, ...]`` in the order of the text; raises ``NoArticles``."""
    articles = []
    for line in (text or "").splitlines():
        found = ARTICLE.match(line)
        if found:
            number = found.group(0).strip(" \t\u3000:：")
            articles.append({"number": number, "lines": [line[found.end():]]})
        elif articles and not HEADING.match(line):
            articles[-1]["lines"].append(line)
    if not articles:
        raise NoArticles("没有找到条文：请粘贴按“第一条”“第二条”……分条的草案全文，每条另起一行。")
    if len(articles) > MAX_ARTICLES:
        raise NoArticles(f"条文过多（{len(articles)} 条），最多 {MAX_ARTICLES} 条。")
    seen = set()
    result = []
    for article in articles:
        number = article["number"]
        body = "\n".join(line.strip() for line in article["lines"]).strip()
        body = re.sub(r"\n{2,}", "\n", body)
        if number in seen:
            raise NoArticles(f"条文序号重复：{number}。")
        seen.add(number)
        if not body:
            raise NoArticles(f"{number}没有内容。")
        if len(body) > MAX_ARTICLE_CHARS:
            raise NoArticles(f"{number}过长（{len(body)} 字），每条最多 {MAX_ARTICLE_CHARS} 字。")
        result.append({"number": number, "text": body})
    return result


def full_text(articles):
    """The articles written back as one text, each on its own line (what the edit form shows)."""
    return "\n".join(f"{a.number}　{a.text}" for a in articles)
