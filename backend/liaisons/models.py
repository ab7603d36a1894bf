"""联系清单 (双联系): who in a congress keeps in touch with which deputy.

A congress's standing-committee members (常委会组成人员) and its special committees (专门委员会, e.g.
教科文卫委员会) are each given deputies to keep in touch with (对口联系: Qingdao gave each committee 50
city deputies). A ``Liaison`` is one such person or committee of one region's congress; a
``LiaisonDeputy`` row is one deputy given to them (a deputy may have several liaisons); a
``LiaisonContact`` is one contact made (走访, 座谈, 电话, 书面, 网络) with what the deputy raised.

Contacts are never edited: a wrong one is deleted (with a line in the 操作日志) and entered again.
"""
import enum
from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import UTCDateTime, str_enum, utcnow
from ..extensions import db
from ..org.models import Deputy, Region


class LiaisonKind(enum.StrEnum):
    member = "member"  # 常委会组成人员
    committee = "committee"  # 专门委员会


KIND_LABELS = {"member": "常委会组成人员", "committee": "专门委员会"}


class ContactWay(enum.StrEnum):
    visit = "visit"  # 走访
    talk = "talk"  # 座谈
    phone = "phone"  # 电话
    letter = "letter"  # 书面
    online = "online"  # 网络


WAY_LABELS = {"visit": "走访", "talk": "座谈", "phone": "电话", "letter": "书面", "online": "网络"}


class Liaison(db.Model):
    """A member of the standing committee or a special committee of ``region``'s congress (联系人)."""

    __tablename__ = "liaisons"
    __table_args__ = (Index("ix_liaisons_region_active", "region_id", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[LiaisonKind] = mapped_column(str_enum(LiaisonKind, "liaison_kind"))
    title: Mapped[str] = mapped_column(String(100), default="")  # 职务: 常委会副主任, 主任委员…
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship()

    @property
    def kind_label(self):
        return KIND_LABELS[self.kind.value]


class LiaisonDeputy(db.Model):
    """A deputy given to a liaison to keep in touch with (对口联系), once per pair."""

    __tablename__ = "liaison_deputies"
    __table_args__ = (UniqueConstraint("liaison_id", "deputy_id", name="uq_liaison_deputies_liaison_deputy"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    liaison_id: Mapped[int] = mapped_column(ForeignKey("liaisons.id", ondelete="CASCADE"))
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    deputy: Mapped[Deputy] = relationship()


class LiaisonContact(db.Model):
    """One contact a liaison made with a deputy (联系记录): the day (China date), the way, what was done,
    and the deputy's opinions raised, entered by an administrator."""

    __tablename__ = "liaison_contacts"
    __table_args__ = (
        Index("ix_liaison_contacts_liaison_date", "liaison_id", "contact_date"),
        Index("ix_liaison_contacts_deputy_date", "deputy_id", "contact_date"),
        Index("ix_liaison_contacts_newest", "contact_date", "id"),  # a region's list, newest first (0040)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    liaison_id: Mapped[int] = mapped_column(ForeignKey("liaisons.id"))
    deputy_id: Mapped[int] = mapped_column(ForeignKey("deputies.id"))
    contact_date: Mapped[date] = mapped_column(Date)
    way: Mapped[ContactWay] = mapped_column(str_enum(ContactWay, "liaison_contact_way"))
    summary: Mapped[str] = mapped_column(String(500))
    opinions: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_dt: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    liaison: Mapped[Liaison] = relationship()
    deputy: Mapped[Deputy] = relationship()

    @property
    def way_label(self):
        return WAY_LABELS[self.way.value]
