"""Whose people's congress a deputy sits in: the congress of their level, not the region they were
elected in. A county deputy elected in a township (or a 街道) sits in the county's congress; a city
deputy elected in a county, in the city's. Each congress sets its 评分细则 (``points.rulebook``) and its
履职评价等次 bands (``points.grades``) for its own deputies: both ask here which congress that is.

Which regions have a congress at all (not a village, not a 街道: ``congress_level``), and which congresses
keep a standing committee (county level and up: ``has_standing_committee``) is told here too, for 民生实事
(``livelihood``: who votes, where citizens propose) and 联系清单 (``liaisons``: a standing committee's).
"""
from sqlalchemy import and_

from ..errors import validation_failed
from .models import DeputyLevel, Region, RegionLevel

# A deputy sits in the people's congress of their level: the region of that level on the way up from the
# region they were elected in (as ``CONGRESS_LEVEL`` below maps a region to its deputies).
# A 全国人大代表's congress is above the tree: the whole deployment's (the root's) applies to them.
CONGRESS_REGION_LEVEL = {
    DeputyLevel.provincial: RegionLevel.province,
    DeputyLevel.city: RegionLevel.city,
    DeputyLevel.county: RegionLevel.county,
    DeputyLevel.township: RegionLevel.township,
}


def congress_of(level, ancestors):
    """The region whose congress a deputy of ``level`` elected in ``ancestors[-1]`` (the path from the
    root, itself included) sits in: the nearest of that level; the root for a national deputy; their
    own region when the path has none of their level (a tree without it). None for an empty path."""
    if not ancestors:
        return None
    if level == DeputyLevel.national:
        return ancestors[0]
    region_level = CONGRESS_REGION_LEVEL.get(level)
    return next((region for region in reversed(ancestors) if region.level == region_level), ancestors[-1])


def congress_region(deputy):
    """The region of ``deputy``'s congress (``congress_of``)."""
    return congress_of(deputy.level, deputy.region.ancestors_and_self())


# A region's people's congress is made of the deputies of its own level (the
# deputies' side of ``CONGRESS_REGION_LEVEL``). A village (村、社区) has no people's congress;
# nor has a 街道 (see ``is_subdistrict``).
CONGRESS_LEVEL = {region_level: level for level, region_level in CONGRESS_REGION_LEVEL.items()}
SUBDISTRICT = "街道"


def is_subdistrict(region):
    """A 街道: a township-level region (乡、镇、街道 share the level) whose name says so (“城北街道”,
    “城东街道办事处”, “城东街道（筹）”). A 街道 is an office of the district's government: it elects no
    people's congress (a 乡 or 镇 does); the district's congress keeps an 人大工委 there. Its people propose
    to the district's (county's) congress, and no round is organised for it. Regions carry no kind of their
    own, so the name tells it."""
    return region.level == RegionLevel.township and SUBDISTRICT in region.name


def congress_clause():
    """SQL condition on ``Region``: the regions that have a people's congress (``congress_level``)."""
    return and_(Region.level.in_(list(CONGRESS_LEVEL)),
                ~and_(Region.level == RegionLevel.township, Region.name.contains(SUBDISTRICT)))


def nearest_congress(region):
    """The people's congress nearest ``region``: itself, or for a village (村、社区, which has none) the
    township above it — for a 街道 (no congress either) or a village under one, the district above. The
    region itself when none is above it (a tree without one)."""
    if congress_level(region) is not None:
        return region
    congresses = [r for r in region.ancestors_and_self() if congress_level(r) is not None]
    return congresses[-1] if congresses else region


def congress_level(region):
    """The level of the deputies making up ``region``'s people's congress; None when it has none (a
    village, a 街道)."""
    if is_subdistrict(region):
        return None
    return CONGRESS_LEVEL.get(region.level)


# A standing committee (人大常委会) is kept by a congress of county level and up (宪法、地方组织法): a 乡、镇's
# congress has a 主席团 instead; a 街道 and a village have no congress at all (``congress_level``). 联系清单
# (双联系) is a standing committee's; it asks here.
STANDING_COMMITTEE_LEVELS = (RegionLevel.province, RegionLevel.city, RegionLevel.county)
NO_STANDING_COMMITTEE = {
    "township": "乡镇人民代表大会不设常务委员会（设主席团）",
    "subdistrict": "街道不设人民代表大会（设人大工委）",
    "village": "村（社区）不设人民代表大会",
}


def has_standing_committee(region):
    """Whether ``region``'s people's congress has a standing committee: it has a congress
    (``congress_level``) of county level or above."""
    return congress_level(region) is not None and region.level in STANDING_COMMITTEE_LEVELS


def standing_committee_clause():
    """SQL condition on ``Region``: ``has_standing_committee``."""
    return and_(congress_clause(), Region.level.in_(list(STANDING_COMMITTEE_LEVELS)))


def refuse_without_standing_committee(region, what, field="region_id"):
    """Refused (422) unless ``region``'s congress has a standing committee, saying why and that ``what``
    (e.g. "联系清单只能由县级以上人大常委会建立") is a standing committee's."""
    if has_standing_committee(region):
        return
    why = ("subdistrict" if is_subdistrict(region) else
           "township" if region.level == RegionLevel.township else "village")
    message = f"{NO_STANDING_COMMITTEE[why]}，{what}。"
    raise validation_failed({field: [message]}, message)
