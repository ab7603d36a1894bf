"""A draft regulation's full text, as pasted, cut into its numbered articles (第一条、第二条……).

An article starts where a line starts with its number (第一条, 第十二条, 第一百零三条, or 第12条; 第十条之一
after 第十条) and that number is the next one; the words after the number up to the next article are its
text. What comes before the first article (the title, a table of contents, a preamble: the first is 第一条
where there is one, even if a line before starts with a number it cites) is left out, and so are the
headings of chapters and sections (第一章 总则, 第二章规划建设, or 第二节 with its title on the next line)
between articles: they are not opinions' subjects. A number cited inside a sentence (依照本条例第五条)
starts nothing, being inside a line.

Text pasted from a PDF is often hard-wrapped, so that a citation may start a line ("违反本条例\\n第五条规定
的……"). Numbers therefore go in sequence: a line starting with an earlier number than the current
article's is a citation and stays in the article; one starting with a later number than the next is kept
as text too, as long as the sequence resumes after it (otherwise an article is missing, and the text is
refused saying where); the next number met twice cannot be told apart, and is refused naming both lines.

Numbers may be spaced as PDF copies give them (第 一 条, 第 十 二 条之一): read as 第一条, 第十二条之一.

人大 websites print a draft followed by its 说明 (关于《……（草案）》的说明, the speaker, the reasons, which cite
articles: 第一条明确了立法目的). The text stops at such a heading, once the articles have begun: what follows is
not taken, and ``cut_articles`` says so (``left_out``), for the administrator to see.

A draft copied whole may also end with its signature (落款): the issuing body on a line of its own
(怀化市人民代表大会常务委员会) and/or the date (2026年11月1日, 二〇二六年十一月一日). Such lines at the very end —
only those, blank lines between them, after a line whose sentence is finished (。！？ or a closing quote) — are
left out too and said so. Anything else stays in the last article: a wrapped sentence (本条例自\n2027年1月1日)
or a list after a colon (下列单位负责：\n怀化市人民政府) is article text, never cut.
"""
import re
from typing import NamedTuple

NUMERAL = "〇零一二三四五六七八九十百千两0-9０-９"
_SP = "[ \\t\\u3000]*"
_NUMBER = rf"[{NUMERAL}](?:{_SP}[{NUMERAL}])*"  # 十二, or spaced as PDFs give it: 十 二
ARTICLE = re.compile(rf"^{_SP}(第{_SP}({_NUMBER}){_SP}条)(?:{_SP}之{_SP}({_NUMBER}))?[ \t\u3000:：]*")
HEADING = re.compile(rf"^{_SP}第{_SP}{_NUMBER}{_SP}[编章节](.*)$")
# The heading of the draft's explanation: 关于《……（草案）》的说明, ……（草案）的说明, 关于……修改情况的说明, 起草说明.
EXPLANATION = re.compile(
    r"^[ \t\u3000]*(?:关于.{0,80}的说明|.{0,80}[（(]草案[）)][》〉]?的说明|[《〈].{1,80}[》〉]的?说明|起草说明|立法说明)"
    r"[ \t\u3000]*$")
SPACES = " \t\u3000"
# A signature's lines (see above): the issuing body alone on its line, and the date alone on its line.
SIGNATURE_BODY = re.compile(
    r"^[^\s。，；：:,;！？!?“”\"（）()《》]{0,30}(?:人民代表大会常务委员会|人民代表大会|人大常委会|常务委员会|人民政府|委员会)"
    r"(?:办公厅|办公室)?$")
SIGNATURE_DATE = re.compile(
    rf"^[（(]?{_SP}[0-9０-９〇零一二三四五六七八九]{{4}}{_SP}年{_SP}[0-9０-９一二三四五六七八九十]{{1,2}}{_SP}月"
    rf"{_SP}[0-9０-９一二三四五六七八九十]{{1,3}}{_SP}日{_SP}[）)]?$")
FINISHED = tuple("。！？!?”」』）)")
# A heading's title is short and no sentence: 第二章规划建设, not 第二章规定的，……
TITLE = re.compile(r"^[^。，；：:,;！？!?“”\"（）()]{1,30}$")

MAX_ARTICLES = 500
MAX_ARTICLE_CHARS = 5000
MAX_NUMBER_CHARS = 20  # ConsultationArticle.number's column

DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
UNITS = {"十": 10, "百": 100, "千": 1000}


class NoArticles(ValueError):
    """The text cannot be cut into articles; the message says why, in Chinese."""


def numeral(text):
    """The value of an article's number: 十一 → 11, 二十 → 20, 一百零二 → 102, 12 or １２ → 12."""
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if text.isdigit():
        return int(text)
    total, digit = 0, None
    for char in text:
        if char in DIGITS:
            digit = DIGITS[char]
        elif char in UNITS:
            total += (1 if digit is None else digit) * UNITS[char]
            digit = None
        else:  # an Arabic digit among Chinese ones: not a number
            return None
    return total + (digit or 0)


def _unspaced(text):
    return re.sub(r"[ \t\u3000]", "", text)


def _key(found):
    """An article number's place in the sequence: 第十条 → (10, 0), 第十条之一 → (10, 1)."""
    return numeral(_unspaced(found.group(2))), numeral(_unspaced(found.group(3))) if found.group(3) else 0


def _heading(line):
    """``None`` if ``line`` is no chapter or section heading; else whether its title is still to come
    (a bare 第三章, its title on the next line)."""
    found = HEADING.match(line)
    if not found:
        return None
    rest = found.group(1)
    title = rest.strip(SPACES)
    if not title:
        return True
    # 第二章　规划、建设与保护 (a space after the number) as before; 第二章规划建设 only if no sentence.
    return False if rest[0] in SPACES or TITLE.match(title) else None


class Cut(NamedTuple):
    articles: list  # [{"number": "第一条", "text": "..."}, ...]
    left_out: str | None  # what was not taken (the 说明 after the articles), said in Chinese; None: nothing


def _signature(lines):
    """The index of the first line of a signature ending ``lines`` (see above), or None: lines of the issuing
    body or the date alone (blank ones between), after the last article has begun and after a line whose
    sentence is finished; the article's own line (第十条　……) is never one."""
    start = None
    index = len(lines) - 1
    while index >= 0:
        line = lines[index].strip(SPACES)
        if not line:
            index -= 1
            continue
        if ARTICLE.match(lines[index]) or not (SIGNATURE_BODY.match(line) or SIGNATURE_DATE.match(line)):
            break
        start = index
        index -= 1
    if start is None or index < 0:
        return None
    before = lines[index].strip(SPACES)
    if not before.endswith(FINISHED) or _heading(lines[index]) is not None:
        return None
    if not any(ARTICLE.match(line) for line in lines[:index + 1]):
        return None
    return start


def split_articles(text):
    """``[{"number": "第一条", "text": "..."}, ...]`` in the order of the text; raises ``NoArticles``."""
    return cut_articles(text).articles


def cut_articles(text):
    """The articles, and what was left out at the end (``Cut``); raises ``NoArticles``."""
    lines = (text or "").splitlines()
    left_out = None
    for index, line in enumerate(lines):
        if EXPLANATION.match(line) and any(ARTICLE.match(before) for before in lines[:index]):
            left_out = f"第{index + 1}行“{line.strip(SPACES)}”起的文字不是条文（草案的说明等），未收入。"
            lines = lines[:index]
            break
    signature = _signature(lines)
    if signature is not None:
        what = "落款、日期、草案的说明等" if left_out else "落款、日期"
        left_out = f"第{signature + 1}行“{lines[signature].strip(SPACES)}”起的文字不是条文（{what}），未收入。"
        lines = lines[:signature]
    keys = [_key(found) for found in map(ARTICLE.match, lines) if found]
    # A draft with a 第一条 starts there: a number before it (根据……\n第七十二条的规定) is its preamble's.
    first = (1, 0) if (1, 0) in keys else None
    articles = []
    skipped = None  # (number, line) of a later number kept as text, until the sequence resumes
    seen = {}  # key → line number of each article
    title_due = False
    for index, line in enumerate(lines, start=1):
        found = ARTICLE.match(line)
        if found and not articles and first is not None and _key(found) != first:
            continue
        if found:
            number = _unspaced(found.group(0)).strip(":：")
            key = _key(found)
            if None in key:
                raise NoArticles(f"无法识别条文序号：“{number}”（第{index}行）。")
            if len(number) > MAX_NUMBER_CHARS:
                raise NoArticles(f"条文序号过长：“{number}”，最多 {MAX_NUMBER_CHARS} 个字。")
            if articles:
                last = articles[-1]["key"]
                following = key in ((last[0] + 1, 0), (last[0], last[1] + 1))
                if key in seen and key == last:
                    raise NoArticles(f"条文序号重复：{number}出现在第{seen[key]}行和第{index}行。如果其中一行是上一条换行后"
                                     f"的文字（例如从 PDF 复制时在“{number}”前断行），请把它接到上一行末尾；"
                                     f"否则请检查条文序号。")
                if not following:
                    if key > last and skipped is None:
                        skipped = (number, articles[-1]["number"], index)
                    articles[-1]["lines"].append(line)
                    title_due = False
                    continue
            skipped = None
            seen[key] = index
            articles.append({"number": number, "key": key, "lines": [line[found.end():]]})
            title_due = False
            continue
        if not articles:
            continue
        heading = _heading(line)
        if heading is not None:
            title_due = heading
        elif title_due and line.strip(SPACES):
            title_due = False
            if not TITLE.match(line.strip(SPACES)):
                articles[-1]["lines"].append(line)
        else:
            articles[-1]["lines"].append(line)
    if not articles:
        raise NoArticles("没有找到条文：请粘贴按“第一条”“第二条”……分条的草案全文，每条另起一行。")
    if skipped is not None:
        number, before, index = skipped
        raise NoArticles(f"条文序号不连续：{before}之后是{number}（第{index}行）。请检查条文序号；如果这一行是上一条"
                         f"换行后的文字（例如从 PDF 复制），请把它接到上一行末尾。")
    if len(articles) > MAX_ARTICLES:
        raise NoArticles(f"条文过多（{len(articles)} 条），最多 {MAX_ARTICLES} 条。")
    result = []
    for article in articles:
        number = article["number"]
        body = "\n".join(line.strip() for line in article["lines"]).strip()
        body = re.sub(r"\n{2,}", "\n", body)
        if not body:
            raise NoArticles(f"{number}没有内容。")
        if len(body) > MAX_ARTICLE_CHARS:
            raise NoArticles(f"{number}过长（{len(body)} 字），每条最多 {MAX_ARTICLE_CHARS} 字。")
        result.append({"number": number, "text": body})
    return Cut(result, left_out)


def full_text(articles):
    """The articles written back as one text, each on its own line (what the edit form shows)."""
    return "\n".join(f"{a.number}　{a.text}" for a in articles)
