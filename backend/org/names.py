"""People's names in the order staff expect a list of deputies in: by the pinyin of the name (按姓氏拼音),
as a printed roster is, not by the characters' code points (审计甲 before 张伟 before 李建国)."""
from functools import lru_cache

# A surname read otherwise than the character's everyday reading (曾 zēng, not céng; 单 shàn, not dān).
SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "朴": "piao", "区": "ou", "查": "zha", "盖": "ge",
    "缪": "miao", "覃": "qin", "翟": "zhai", "冼": "xian", "乐": "yue", "万俟": "moqi", "长孙": "zhangsun",
    "尉迟": "yuchi",
}


@lru_cache(maxsize=4096)
def pinyin_key(name):
    """A sort key for ``name``: its syllables in pinyin (the surname read as a surname), then the name
    itself, so that two names read alike keep one order."""
    # Imported at the first name sorted, not with the app: its dictionaries take a good part of a second
    # to load, which every command and every worker started would pay (`flask db upgrade`, the sweep).
    from pypinyin import Style, lazy_pinyin

    name = (name or "").lower()
    for surname in sorted(SURNAME_READINGS, key=len, reverse=True):
        if name.startswith(surname):
            rest = name[len(surname):]
            return (SURNAME_READINGS[surname], *lazy_pinyin(rest, style=Style.NORMAL, errors="default")), name
    return tuple(lazy_pinyin(name, style=Style.NORMAL, errors="default")), name


def by_pinyin(deputies, name=lambda deputy: deputy.name):
    """``deputies`` (or rows) sorted by the pinyin of their name, then by id where they have one."""
    return sorted(deputies, key=lambda d: (pinyin_key(name(d)), getattr(d, "id", 0)))
