"""Whose people's congress a deputy sits in: the congress of their level, not the region they were
elected in. A county deputy elected in a township (or a 街道) sits in the county's congress; a city
deputy elected in a county, in the city's. Each congress sets its 评分细则 (``points.rulebook``) and its
履职评价等次 bands (``points.grades``) for its own deputies: both ask here which congress that is.
"""
from .models import DeputyLevel, RegionLevel

# A deputy sits in the people's congress of their level: the region of that level on the way up from the
# region they were elected in (as ``livelihood.services.CONGRESS_LEVEL`` maps a region to its deputies).
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
