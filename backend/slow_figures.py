"""Figures that are slow to count, kept for a while: the console's dashboard and the statistics API.

At a province's 1,500,000 items, counting an administrator's figures took seconds (bench/province.py);
a county's or a station's take milliseconds. So a figure is kept only when counting it took
DASHBOARD_CACHE_AFTER_MS or more, for DASHBOARD_CACHE_SECONDS, in the shared cache (Redis when
REDIS_URL is set, so every app server answers from one count). Whoever reads a kept figure is told
when it was counted; the lists behind it stay exact. DASHBOARD_CACHE_SECONDS=0 counts at every view.
A cache that cannot be reached is logged and bypassed: the figures are counted, never refused.
"""
import logging
from time import perf_counter

from flask import current_app

from .db_types import utcnow
from .extensions import cache

log = logging.getLogger(__name__)


def kept_if_slow(key, count):
    """``(count(), None)`` when counted for this request, or ``(figures, counted_at)`` when kept.

    ``key`` names the figures completely: the scope they are counted over and every filter."""
    config = current_app.config
    if config["DASHBOARD_CACHE_SECONDS"] <= 0:
        return count(), None
    try:
        kept = cache.get(key)
    except Exception:
        log.exception("slow figures: the cache could not be read (%s)", key)
        kept = None
    if kept is not None:
        return kept["data"], kept["as_of"]
    as_of, started = utcnow(), perf_counter()
    data = count()
    if (perf_counter() - started) * 1000 < config["DASHBOARD_CACHE_AFTER_MS"]:
        return data, None
    try:
        cache.set(key, {"data": data, "as_of": as_of}, timeout=config["DASHBOARD_CACHE_SECONDS"])
    except Exception:
        log.exception("slow figures: the cache could not be written (%s)", key)
        return data, None
    return data, as_of


def scope_key(user):
    """What an administrator's figures are counted over: their region and the stations they administer."""
    region = user.admin_region.id if user.admin_region is not None else "-"
    return f"{region}:{','.join(map(str, sorted(user.admin_station_ids)))}"
