"""Query building shared by the lists, the statistics and the public pages.

Filters are written with named bound parameters (``filter_clauses``) and their values resolved
separately (``filter_values``), so that a list can build its statement once per combination of
filters and run it with each request's values (see listing.py); ``apply_filters`` joins the two for
callers that build their query every time.
"""
import re
import unicodedata
from datetime import datetime, time, timedelta
from functools import cache
from typing import NamedTuple

from sqlalchemy import Integer, Text, and_, any_, bindparam, cast, func, not_, or_, select, true, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import defaultload

from ..auth.scope import (
    RegionRef, administered_stations, get_by_id, is_root, region_subtree_clause, station_scope_clause,
)
from ..errors import not_found
from ..extensions import db
from ..org.models import Deputy, Region, Station
from .models import (
    CONTACT_PHONE_DIGITS, CONTENT_GRAMS, SEARCH_TEXTS, DEADLINE_STAGE, NUMBER_REVERSED, STAGE_DEADLINE, Suggestion,
    awaiting_review_clause,
)
from .services import CHINA

# Filters that compare one column with the value given.
_EQUALS = {
    "status": Suggestion.status, "overdue": Suggestion.overdue, "due_soon": Suggestion.due_soon,
    "station_id": Suggestion.station_id, "deputy_id": Suggestion.deputy_id, "category": Suggestion.category,
}
# Flags whose few items have an index of their own (migration 0067), asked for as ``name`` when true and as
# ``not_name`` when false: written out, not bound, so that both planners match the index's condition (bound, a
# generic plan and SQLite never do; PostgreSQL's custom plan read 510,000 rows of a city to find 21 held items).
_SPELLED_FLAGS = {
    "held": awaiting_review_clause,  # held and still to be reviewed: ix_suggestions_held
    "supervised": lambda: Suggestion.supervised.is_(True),  # 督办: ix_suggestions_supervised
}


@cache
def _item_loading():
    """An item's station and deputy as a step or its page reads them: without their printed codes,
    which Station and Deputy otherwise load with them (for the organisation's lists)."""
    return (defaultload(Suggestion.station).lazyload(Station.live_qr),
            defaultload(Suggestion.deputy).lazyload(Deputy.live_qr))


def load_item(suggestion_id):
    """The suggestion with this id from a URL or a form, or None."""
    return get_by_id(Suggestion, suggestion_id, _item_loading())


# How deep below the root a region's subtree holds few enough items to be read through the ids of its stations
# and regions (``admin_scope_clause``): a province's counties and townships, a city's townships.
NARROW_DEPTH = 2


def narrow_region(region):
    """Whether ``region`` (a Region or a RegionRef with its path) lies NARROW_DEPTH or more below the root."""
    return isinstance(region.path, str) and region.path.count("/") - 2 >= NARROW_DEPTH


def admin_scope_clause(user, narrow=None):
    """Items at the stations the admin manages, and for a region admin everything in the subtree.

    A region of few items (``narrow``, by default ``narrow_region``: a county, a township) is read on PostgreSQL
    as ``handled_in_region_clause`` reads one, each list of ids (the subtree's stations, its regions) as one
    array (``= ANY``), so that the planner combines ix_suggestions_station_status and
    ix_suggestions_region_created in a bitmap. As ``IN (SELECT …)`` it read every item of the table, testing
    each: at 150,000 items a county's statistics took 209 ms of SQL that way, 31 ms so (bench/README.md). A city
    keeps the ``IN`` form: its share of the items (12 % of a province's) is read faster in one pass than through
    the two indexes (at 600,000 items its statistics took 808 ms that way, 1,195 ms the other)."""
    region = user.admin_region
    if region is not None and not is_root(region) and db.session.get_bind().dialect.name == "postgresql" \
            and (narrow_region(region) if narrow is None else narrow):
        in_subtree = select(Region.id).where(Region.path.startswith(region.path))
        clauses = [Suggestion.station_id == _any_id(select(Station.id).where(Station.region_id.in_(in_subtree))),
                   Suggestion.region_id == _any_id(in_subtree)]
        if user.is_station_admin:
            clauses.append(Suggestion.station_id.in_(administered_stations(user)))
        return or_(*clauses)
    clauses = [station_scope_clause(user, Suggestion.station_id)]
    if region is not None:
        clauses.append(region_subtree_clause(Suggestion.region_id, region))
    return or_(*clauses)


def filter_values(args):
    """The bound values of the filters in ``args`` (see SuggestionQuery / StatsQuery), by parameter name."""
    values = {key: args[key] for key in _EQUALS if key in args and (key != "category" or args[key])}
    values |= {flag if args[flag] else f"not_{flag}": True for flag in _SPELLED_FLAGS if flag in args}
    if "reopened" in args:  # 重办: sent round again by a dissatisfied citizen at least once
        values["reopened"] = args["reopened"]
    if "region_id" in args:
        values["region_path"] = _region_path(args["region_id"])
    if "deputy_region_id" in args:
        values["deputy_region_path"] = _region_path(args["deputy_region_id"])
    if "date_from" in args:
        values["date_from"] = datetime.combine(args["date_from"], time(), CHINA)
    if "date_to" in args:
        values["date_to"] = datetime.combine(args["date_to"] + timedelta(days=1), time(), CHINA)
    return values


def _region_path(region_id):
    region = db.session.get(Region, region_id)
    if region is None:
        raise not_found("区域不存在。")
    return region.path


def handled_in_region_clause(region):
    """The items handled in ``region``'s subtree (a ``RegionRef``, its path possibly a bound parameter): at
    a station of the subtree, or, with no station, waiting in the queue of a region of it.

    This is what a region filter means, in the statistics, the lists and the exports: each item counts
    once in any partition of regions, and a region's figure is the sum of its stations' and its queue's.
    ``Suggestion.region_id`` alone is not: an item filed at a deputy's code holds the deputy's own region
    (filing.py), which for a provincial or a city deputy received at a county's or a town's station, or
    one received in another city, is not where the item is handled. The deputy's congress is asked for by
    name (``deputy_region_id``: ``deputy_region_clause``).

    Two indexed conditions: the stations' (``ix_suggestions_station_status``) and the queue's
    (``ix_suggestions_queue_region``, partial: the few items with no station). On PostgreSQL each list of ids
    is read once, as one array (``= ANY``), so that the planner combines the two indexes (a bitmap of both);
    as ``IN (SELECT …)`` it misjudged a subtree's regions as one and read every item, testing each: at
    300,000 items a county's figures took 226 ms that way, 61 ms so (a city's 294 and 188 ms).
    SQLite takes the ``IN`` form."""
    if is_root(region):
        return true()
    in_subtree = select(Region.id).where(Region.path.startswith(region.path))
    stations = select(Station.id).where(Station.region_id.in_(in_subtree))
    if db.session.get_bind().dialect.name == "postgresql":
        return or_(Suggestion.station_id == _any_id(stations),
                   and_(Suggestion.station_id.is_(None), Suggestion.region_id == _any_id(in_subtree)))
    return or_(Suggestion.station_id.in_(stations),
               and_(Suggestion.station_id.is_(None), Suggestion.region_id.in_(in_subtree)))


def _any_id(ids):
    """``= ANY`` of the ids ``ids`` (a one-column SELECT) selects, read as one array (PostgreSQL)."""
    column = ids.selected_columns[0]
    return any_(cast(ids.with_only_columns(func.array_agg(column)).scalar_subquery(), ARRAY(Integer)))


def deputy_region_clause(region):
    """The items handled by a deputy elected in ``region``'s subtree (the deputy's congress's view, wherever
    the items are handled); items with no deputy yet are not."""
    in_subtree = select(Region.id).where(Region.path.startswith(region.path))
    return Suggestion.deputy_id.in_(select(Deputy.id).where(Deputy.region_id.in_(in_subtree)))


def filter_clauses(names):
    """WHERE clauses for the filters called ``names`` (keys of ``filter_values``), on bound parameters."""
    clauses = [column == bindparam(key) for key, column in _EQUALS.items() if key in names]
    for flag, clause in _SPELLED_FLAGS.items():
        if flag in names:
            clauses.append(clause())
        if f"not_{flag}" in names:
            clauses.append(not_(clause()))
    if "reopened" in names:
        clauses.append((Suggestion.round > 1) == bindparam("reopened"))
    if "region_path" in names:
        clauses.append(handled_in_region_clause(RegionRef(None, bindparam("region_path"))))
    if "deputy_region_path" in names:
        clauses.append(deputy_region_clause(RegionRef(None, bindparam("deputy_region_path"))))
    if "date_from" in names:
        clauses.append(Suggestion.created_dt >= bindparam("date_from"))
    if "date_to" in names:
        clauses.append(Suggestion.created_dt < bindparam("date_to"))
    return clauses


def apply_filters(query, args):
    """``query`` narrowed by the filters in ``args``."""
    values = filter_values(args)
    return query.where(*filter_clauses(values)).params(values) if values else query


NUMBER_TAIL_MIN = 3  # digits: fewer match too many items to tell one from another
WHOLE_NUMBER_DIGITS = 14  # the date's 8 and at least 6 of the sequence (filing.py)
_NUMBER_SEPARATORS = re.compile(r"[\s-]")


def typed_number(keyword):
    """The digits of a suggestion number as a citizen reads it out on the phone and an administrator
    types it — whole (MSB-20261122-000123, in any case, with or without MSB, its dashes or spaces, in
    full-width characters too) or only its last digits, at least NUMBER_TAIL_MIN of them — else None.
    Only a whole number may be written with more than its digits: "MSB-2026" is a search of the content."""
    text = unicodedata.normalize("NFKC", keyword).strip().upper()
    digits = _NUMBER_SEPARATORS.sub("", text.removeprefix("MSB"))
    if not (digits.isascii() and digits.isdigit()):
        return None
    if len(digits) >= WHOLE_NUMBER_DIGITS or (digits == text and len(digits) >= NUMBER_TAIL_MIN):
        return digits
    return None


_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}")


def typed_phone(keyword):
    """A contact phone as staff type what a citizen reads out — a mobile with or without +86, spaces or
    dashes, in full-width characters too (MSB.phoneNumber's rules), or a landline with or without its
    dash — as ``CONTACT_PHONE_DIGITS`` holds it (its digits), else None."""
    text = _NUMBER_SEPARATORS.sub("", unicodedata.normalize("NFKC", keyword))
    mobile = re.sub(r"^(\+?86|0086)", "", text)
    if _MOBILE.fullmatch(mobile):
        return mobile
    return text.replace("-", "") if _LANDLINE.fullmatch(text) else None


def contact_phone_is(digits):
    """The items whose contact phone is ``digits`` (``typed_phone``), through its index."""
    return CONTACT_PHONE_DIGITS == digits


def number_ends_with(digits):
    """The items whose number ends with ``digits`` (a whole number's are all of them): the start of
    ``NUMBER_REVERSED``, which its index finds without reading the table."""
    return NUMBER_REVERSED.like(digits[::-1] + "%")


def keyword_values(keyword, indexed=True):
    """The bound values of a search box's ``keyword``, by parameter name (see ``keyword_clause``): the
    reversed number's start for one that reads as a number (``typed_number``), else a pattern of the content
    and, on PostgreSQL, for a word few items hold, the pieces of it every content holding it holds
    (``content_grams``). Not ``indexed``: the pattern alone, for a list small enough to read (a citizen's
    own, a deputy's inbox), which spares it the look at the index."""
    if digits := typed_number(keyword):
        return {"number_start": digits[::-1] + "%"}
    escaped = keyword.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    values = {"content_pattern": f"%{escaped}%"}
    if indexed and db.session.get_bind().dialect.name == "postgresql" and _few_candidates(
            grams := content_grams(keyword)):
        values["content_grams"] = grams
    return values


# A word held by at most this many items is searched through its candidates (``keyword_values``); a more
# common one by walking the list's order: a page of its matches is met soon, and a count capped at 1,000
# (the console's) soon reaches the cap. At 1,000,000 items: a rare word's count and page 7-25 ms through its
# candidates; 路灯's (66,668 candidates, 4,359 of them in a city) 440 ms to count a city's first 1,001
# through them, 80 ms by walking the city's items (bench/README.md).
FEW_CANDIDATES = 5000


def _few_candidates(grams):
    """Whether at most FEW_CANDIDATES items hold every one of ``grams``: a look at the index that stops
    at the next one. PostgreSQL's estimate of a rare word's items cannot tell: 2,600 for 臭气's 198."""
    candidates = select(SEARCH_TEXTS.c.suggestion_id).where(CONTENT_GRAMS.contains(grams)).limit(FEW_CANDIDATES + 1)
    return db.session.scalar(select(func.count()).select_from(candidates.subquery())) <= FEW_CANDIDATES


def content_grams(keyword):
    """What every content holding ``keyword`` holds in ``CONTENT_GRAMS``: its pairs of adjacent characters,
    or the character itself if it is one."""
    return sorted({keyword[i:i + 2] for i in range(max(len(keyword) - 1, 1))})


def keyword_clauses(names):
    """The WHERE clauses of a keyword whose values ``keyword_values`` named as some of ``names``, on bound
    parameters, so that a list builds them once for every number and once for every text searched."""
    return _keyword_clauses({name: bindparam(name) for name in ("number_start", "content_pattern") if name in names}
                            | ({"content_grams": bindparam("content_grams", type_=ARRAY(Text))}
                               if "content_grams" in names else {}))


def keyword_clause(keyword, frequent=False):
    """The items a search box's ``keyword`` finds, with its values written in: one that reads as a number
    (``typed_number``) finds the items whose number ends with it, through an index; any other those whose
    content holds it. On PostgreSQL the index of the content's characters and pairs (``CONTENT_GRAMS``)
    gives a word's candidates if few items hold it (``keyword_values``) and ``LIKE`` keeps the exact
    matches; SQLite, and PostgreSQL for a common word, read the content of each item the rest of the query
    leaves, in the list's order.

    ``frequent``: the caller has counted more matches than a page needs many times over (the console's
    capped count), so the content alone is tested: walking the list's order and testing each item meets a
    page of matches within a few thousand items, where the index would hand over every match to be
    sorted. PostgreSQL cannot tell the two cases apart itself: it takes a word's pairs as independent
    (路灯坏了 in one item in fifteen, each of its three pairs too: it expected 300 matches of 1,000,000, not
    67,000)."""
    return and_(*_keyword_clauses(keyword_values(keyword, indexed=not frequent)))


def _keyword_clauses(values):
    """``keyword_clauses`` with ``values`` by name, bound parameters or the values themselves. A rare
    word's candidates are read from the index once, as one array (``= ANY``), and looked up by id: as a
    join (``IN``, ``EXISTS``) PostgreSQL misjudged how many a rare word has and read a city's every item.
    """
    if "number_start" in values:
        return [NUMBER_REVERSED.like(values["number_start"])]
    clauses = []
    if "content_grams" in values:
        candidates = select(func.array_agg(SEARCH_TEXTS.c.suggestion_id)).where(
            CONTENT_GRAMS.contains(values["content_grams"]))
        # cast: "= ANY (SELECT …)" would compare the id with each row (an array), not with its elements
        clauses.append(Suggestion.id == any_(cast(candidates.scalar_subquery(), ARRAY(Integer))))
    if "content_pattern" in values:
        clauses.append(Suggestion.content.like(values["content_pattern"], escape="\\"))
    return clauses


# --- the lists' orders ---------------------------------------------------------------------------


class ListOrder(NamedTuple):
    """An order of a list of suggestions: its columns, most significant first, all one way. Each row's
    values of them are its position, from which the console's export reads on (see ``after``)."""

    label: str
    keys: tuple
    descending: bool = False

    def clauses(self):
        return [key.desc() for key in self.keys] if self.descending else list(self.keys)

    def reversed_clauses(self):
        """This order read from its end (the console queue's 上一页 reads back from a row, then turns the rows round)."""
        return list(self.keys) if self.descending else [key.desc() for key in self.keys]

    def after(self, position):
        """The rows after the one at ``position`` (its values of ``keys``) in this order."""
        keys, values = tuple_(*self.keys), tuple_(*position)
        return keys < values if self.descending else keys > values

    def before(self, position):
        """The rows before the one at ``position`` (its values of ``keys``) in this order."""
        keys, values = tuple_(*self.keys), tuple_(*position)
        return keys > values if self.descending else keys < values


# The orders a list offers (the API's ``sort``, the console queue's 排序), the default first: newest
# first; 按期限, what is due first (ix_suggestions_deadline_order, see models.DEADLINE_STAGE); earliest first.
DEFAULT_ORDER = "newest"
LIST_ORDERS = {
    DEFAULT_ORDER: ListOrder("最新提交", (Suggestion.id,), descending=True),
    "due": ListOrder("按期限", (DEADLINE_STAGE, STAGE_DEADLINE, Suggestion.id)),
    "oldest": ListOrder("最早提交", (Suggestion.id,)),
}
