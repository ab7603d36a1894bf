"""Suggestions as read (or just written) in Core, not loaded as ORM objects: the lists and the answer
to a filing, the two hottest paths. A snapshot carries exactly what ``present()`` and the scope rules
read of a Suggestion, so what a viewer may see is still decided in one place (presenters.py)."""
from typing import NamedTuple

from ..auth.models import User
from ..auth.scope import RegionRef
from .models import Suggestion


class Named(NamedTuple):
    """A station or deputy as an item shows it; ``region`` is what the scope rules read."""

    id: int
    name: str
    region: RegionRef | None = None


class Attachment(NamedTuple):
    id: int
    key: str
    width: int | None
    height: int | None
    screening: str


class Citizen(NamedTuple):
    id: int
    phone: str | None
    erased_dt: object = None  # 注销 (auth.erasure): shown as no filer at all

    phone_masked = User.phone_masked


class Event(NamedTuple):
    """A timeline line, as ``presenters._event`` reads it."""

    action: str
    from_status: str | None
    to_status: str | None
    actor_role: str
    actor_user_id: int | None
    actor_name: str
    note: str
    created_dt: object


# The item's own columns a snapshot holds (all of them that present() reads).
ITEM_COLUMNS = (
    "id", "number", "status", "category", "content", "lat", "lng", "address", "anonymous", "public_consent",
    "round", "overdue", "due_soon", "supervised", "held_for_review", "merged_into_id", "station_id", "deputy_id",
    "region_id", "citizen_id", "forward_target", "forward_department", "forward_work_order_no",
    "department_satisfaction", "reply_content", "implemented", "satisfaction",
    "contact_phone", "created_dt", "dispatch_due_dt", "accept_due_dt", "reply_due_dt", "closed_dt", "screening",
    "public_content", "public_reply", "public_withheld_reason",  # what a follower reads (redact.public_content)
)


class ItemSnapshot:
    """One suggestion: its ``ITEM_COLUMNS`` as attributes, the names it shows, its photos and timeline."""

    status_label = Suggestion.status_label
    public = Suggestion.public
    awaiting_review = Suggestion.awaiting_review
    work_orders = ()  # a snapshot is a new item (filing) or a listed one: no work orders shown
    # A listed one's page's merges (listing.PageMerges): what present() shows of them, read once for the page.
    merges = None

    def __init__(self, columns, station, deputy, region, citizen, attachments, events=()):
        self.__dict__.update(columns)
        self.station, self.deputy, self.region, self.citizen = station, deputy, region, citizen
        self.attachments, self.events = attachments, events
