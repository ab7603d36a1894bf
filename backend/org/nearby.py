"""Where things are: distances, stations nearest to a citizen (找站点, 电子地图智能导航找站点).

Stations' ``lat``/``lng`` are GCJ-02, the coordinates of China's maps (AMap, Tencent) and of the
mini-program's ``wx.getLocation({type: 'gcj02'})``, in which deputies check in and citizens file. A
browser's ``navigator.geolocation`` answers in WGS-84 (GPS), some 100–700 m away inside China, so a
web page's position is converted with ``gcj02_from_wgs84`` before it is compared with a station.
"""
import math

from sqlalchemy import case, exists, func, select

from ..extensions import db
from .models import Region, Station

# GCJ-02's published parameters: the Krasovsky 1940 ellipsoid.
_A = 6378245.0
_EE = 0.00669342162296594323


def order_by_distance(query, lat, lng):
    """``query`` (of stations) nearest to (lat, lng) first, in the order of ``distance_m``; stations
    without coordinates last.

    Within China an equirectangular distance orders them: exact enough within a province, and cheap.
    From farther away (a traveller abroad) it goes wrong over thousands of kilometres, across the
    antimeridian or near a pole, so there they are ordered by the haversine's own term, which grows
    with the great-circle distance shown (SQLite's math functions and PostgreSQL's both have sin and cos)."""
    no_coords = case((Station.lat.is_(None) | Station.lng.is_(None), 1), else_=0)
    if outside_china(lat, lng):
        half_dlat = func.sin((Station.lat - lat) * (math.pi / 360))
        half_dlng = func.sin((Station.lng - lng) * (math.pi / 360))
        cos_lat = math.cos(math.radians(lat)) * func.cos(Station.lat * (math.pi / 180))
        hav = half_dlat * half_dlat + cos_lat * half_dlng * half_dlng
        return query.order_by(no_coords, hav, Station.id)
    k = math.cos(math.radians(lat))
    squared = (Station.lat - lat) * (Station.lat - lat) + (Station.lng - lng) * (Station.lng - lng) * (k * k)
    return query.order_by(no_coords, squared, Station.id)


def open_instead(station):
    """Where a citizen at the closed ``station`` (its code, its page) can go instead: the open station
    nearest to it by its position; without a position (or no open station with one), the nearest of its
    region and that region's ancestors with an open station in its subtree; None when no station is open
    anywhere. Read only when a closed station is shown."""
    if station.lat is not None and station.lng is not None:
        query = select(Station).where(Station.closed_dt.is_(None), Station.id != station.id,
                                      Station.lat.is_not(None), Station.lng.is_not(None))
        nearest = db.session.scalar(order_by_distance(query, station.lat, station.lng).limit(1))
        if nearest is not None:
            return nearest
    for region in reversed(station.region.ancestors_and_self()):
        has_open = exists().where(Station.region_id == Region.id, Station.closed_dt.is_(None),
                                  Region.path.startswith(region.path, autoescape=True))
        if db.session.scalar(select(has_open)):
            return region
    return None


def distance_m(lat1, lng1, lat2, lng2):
    """Great-circle distance (haversine), metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return int(round(2 * 6371008.8 * math.asin(math.sqrt(a))))


def distance_text(meters):
    """How far, as a person reads it (the mini-program's distanceText): 350 米, 1.2 公里, 1493 公里."""
    if meters < 1000:
        return f"{round(meters)} 米"
    if meters < 99950:
        return f"{meters / 1000:.1f} 公里"
    return f"{meters / 1000:.0f} 公里"


def outside_china(lat, lng):
    """Whether the point lies outside the box GCJ-02 shifts (China and its neighbours' edges): no station
    is near it, and a flat-map ordering, exact within a province, goes wrong over thousands of
    kilometres (across a pole or the antimeridian)."""
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _shift_lat(x, y):
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _shift_lng(x, y):
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def gcj02_from_wgs84(lat, lng):
    """A GPS (WGS-84) position as China's maps draw it (GCJ-02); unchanged outside China."""
    if outside_china(lat, lng):
        return lat, lng
    rad = math.radians(lat)
    magic = 1 - _EE * math.sin(rad) ** 2
    dlat = _shift_lat(lng - 105.0, lat - 35.0) * 180.0 / ((_A * (1 - _EE)) / (magic * math.sqrt(magic)) * math.pi)
    dlng = _shift_lng(lng - 105.0, lat - 35.0) * 180.0 / (_A / math.sqrt(magic) * math.cos(rad) * math.pi)
    return lat + dlat, lng + dlng
