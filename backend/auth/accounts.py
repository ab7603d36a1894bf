"""Administrator accounts managed by region administrators (管理员账号), in the console and the API.

* A region administrator sees the accounts in their scope: the region administrators of their region's
  subtree (their own region's too) and the administrators of the stations they manage. The root region's
  administrators (super administrators) also see accounts linked to nothing yet.
* They act (create, edit, reset a password, disable) on a region administrator only **strictly below**
  their own region — a peer of their own region is made and managed by the region above — except the root
  region's administrators, who have no region above and manage each other. A station administrator is
  theirs when every station the account administers is in their scope; one that also administers a station
  elsewhere is shown, and managed by an administrator over both.
* Nobody disables, moves or resets themselves here (their own password: ``change_own_password``).
* Outside the scope an account answers 404, as every object does.

Each function flushes and never commits: the request (or the command) commits once.
"""
from sqlalchemy import false, insert, or_, select

from ..audit.log import record_across, record_many, regions_of
from ..db_types import utcnow
from ..errors import APIError, not_found, validation_failed
from ..extensions import db
from ..org.models import Region, station_admins
from ..org.services import stations_in_scope
from . import wechat_link
from .models import User
from .scope import MAX_ID, is_root, manages_region, manages_station, region_subtree_clause, station_scope_clause
from .services import check_new_password, create_admin, end_sessions, initial_password_hashes, set_password

NOT_FOUND = "管理员账号不存在。"


def account_scope_clause(actor):
    """SQL condition on ``User``: the administrator accounts ``actor`` (a region administrator) sees."""
    region = actor.admin_region if actor is not None else None
    if region is None:
        return false()
    if is_root(region):
        return User.username.is_not(None)
    return User.username.is_not(None) & or_(
        region_subtree_clause(User.admin_region_id, region),
        User.id.in_(select(station_admins.c.user_id).where(station_scope_clause(actor, station_admins.c.station_id))),
    )


def account_or_404(actor, user_id):
    """The account with ``user_id`` if ``actor`` sees it, else 404."""
    if not isinstance(user_id, int) or not 0 < user_id <= MAX_ID:
        raise not_found(NOT_FOUND)
    seen = db.session.scalar(select(User.id).where(User.id == user_id, account_scope_clause(actor)))
    if seen is None:
        raise not_found(NOT_FOUND)
    return db.session.get(User, user_id)


def may_assign_region(actor, region):
    """Whether ``actor`` may make or move a region administrator to ``region``: strictly below their own
    region, or anywhere when they administer the root (or are None: a server command, such as import-admins)."""
    if actor is None:
        return True
    root = actor.admin_region
    if not manages_region(actor, region):
        return False
    return is_root(root) or region.id != root.id


def refusal(actor, account):
    """Why ``actor`` may not manage ``account`` (a Chinese sentence), or None when they may (a server
    command, ``actor`` None, manages every account)."""
    if actor is None:
        return None
    if account.admin_region is not None and not may_assign_region(actor, account.admin_region):
        return "该账号是您所在区域或上级区域的管理员，须由上级区域的管理员办理。"
    if any(not manages_station(actor, station) for station in account.admin_stations):
        return "该账号还管理您管理范围以外的联络站，须由管理这些联络站的上级区域管理员办理。"
    return None


def _managed(actor, account):
    reason = refusal(actor, account)
    if reason is not None:
        raise APIError(403, "forbidden", reason)


def _assignable_region(actor, region_id):
    region = db.session.get(Region, region_id)
    if region is None or (actor is not None and not manages_region(actor, region)):
        raise validation_failed({"region_id": ["区域不存在，或不在您的管理范围内。"]})
    if not may_assign_region(actor, region):
        raise validation_failed({"region_id": ["只能为您所管区域的下级区域设置区域管理员；本级区域的管理员须由上级区域的管理员设置。"]})
    return region


def create_account(actor, data, generated=False) -> User:
    """A new station administrator (``station_ids``) or region administrator (``region_id``); ``generated``:
    its password is a random initial one (the import's)."""
    region = _assignable_region(actor, data["region_id"]) if data.get("region_id") is not None else None
    stations = stations_in_scope(actor, data.get("station_ids") or [])
    check_new_password(data["password"], data["username"])
    user = create_admin(data["username"], data["password"], region, data.get("display_name", ""), generated)
    user.must_change_password = True  # 初始密码: chosen by ``actor``, changed by its owner at first sign-in
    user.admin_stations = stations
    db.session.flush()
    record_created(actor, user)
    return user


def check_new_account(actor, data, stations):
    """``create_account``'s refusals, for an import that has found the account's stations already
    (``stations``: the Station objects of ``data["station_ids"]``, from its scope) and its username free (among
    the accounts it read at once): no query. Returns the account's region (None: a station administrator)."""
    region = _assignable_region(actor, data["region_id"]) if data.get("region_id") is not None else None
    missing = [s.id for s in stations if actor is not None and not manages_station(actor, s)]
    if missing:
        raise validation_failed({"station_ids": [f"联络站不存在或不在您的管理范围内：{', '.join(map(str, missing))}。"]})
    check_new_password(data["password"], data["username"])
    return region


def add_accounts(actor, new):
    """Write many new accounts at once (an import's, each passed by ``check_new_account``), as
    ``create_account`` with a generated password writes one: ``new`` as dicts of username, display_name,
    password, region, stations and disabled (停用 from the start). Each is made with ``must_change_password``
    (and its 停用) in its INSERT; the accounts, their station links and their 操作日志 lines (新建管理员账号,
    停用 where so) are each one batched INSERT per chunk, the passwords hashed in a few threads
    (``initial_password_hashes``). Returns ``{username: id}``; a username taken meanwhile raises the unique
    index's IntegrityError."""
    ids = {}
    now = utcnow()
    for start in range(0, len(new), WRITE_CHUNK):
        chunk = new[start:start + WRITE_CHUNK]
        hashes = initial_password_hashes([entry["password"] for entry in chunk])
        rows = [{"username": entry["username"], "password_hash": hashed,
                 "display_name": entry["display_name"] or entry["username"],
                 "admin_region_id": entry["region"].id if entry["region"] is not None else None,
                 "must_change_password": True,  # 初始密码: changed by its owner at first sign-in
                 "disabled_dt": now if entry["disabled"] else None}
                for entry, hashed in zip(chunk, hashes)]
        ids.update((username, user_id) for user_id, username in db.session.execute(
            insert(User.__table__).returning(User.__table__.c.id, User.__table__.c.username), rows))
        links = [{"station_id": station.id, "user_id": ids[entry["username"]]}
                 for entry in chunk for station in entry["stations"]]
        if links:
            db.session.execute(insert(station_admins), links)
        targets = [(entry, ("user", ids[entry["username"]], row["display_name"]), _regions_of_new(entry))
                   for entry, row in zip(chunk, rows)]
        record_many("account_created", actor, [(target, regions, {"username": entry["username"], **_reach_of_new(entry)})
                                               for entry, target, regions in targets])
        record_many("account_disabled", actor, [(target, regions, None)
                                                for entry, target, regions in targets if entry["disabled"]])
    return ids


WRITE_CHUNK = 500  # new accounts per batch of INSERTs (add_accounts)


def _regions_of_new(entry):
    """``regions_of`` a new account as ``add_accounts`` takes it."""
    if entry["region"] is not None:
        return [entry["region"].id]
    return list(dict.fromkeys(station.region_id for station in entry["stations"]))


def _reach_of_new(entry):
    """``_reach`` of a new account as ``add_accounts`` takes it."""
    if entry["region"] is not None:
        return {"region": entry["region"].name}
    return {"stations": [station.name for station in entry["stations"]]}


def record_created(actor, user):
    """新建管理员账号 in the log: by ``actor`` (None: the create-admin command), under the account's region
    (a station administrator's: each of their stations' regions)."""
    record_across("account_created", actor, _target(user), regions_of(user), {"username": user.username, **_reach(user)})


def _target(account):
    return ("user", account.id, account.display_name or account.username or "")


def _reach(account):
    """What an account manages, as the log keeps it: its region's or its stations' names."""
    if account.admin_region is not None:
        return {"region": account.admin_region.name}
    return {"stations": [s.name for s in account.admin_stations]}


def update_account(actor, account, data) -> User:
    """Display name, stations or region, and 停用/启用 of an account ``actor`` manages (None: a server
    command). Every refusal comes before any change: a refused edit leaves the account as it was, so an
    import (auth.account_importer) refusing one row keeps the others."""
    before = {"display_name": account.display_name, **_reach(account)}
    regions_before = regions_of(account)
    was_disabled = account.disabled_dt is not None
    own = actor is not None and account.id == actor.id
    if not own or set(data) - {"display_name"}:
        if own:
            raise APIError(403, "forbidden", "不能停用自己的账号，也不能调整自己的管理范围；如需调整，请联系上级区域的管理员。")
        _managed(actor, account)
    region = stations = None
    if data.get("region_id") is not None:
        if account.admin_stations:
            raise validation_failed({"region_id": ["联络站管理员账号不能改为区域管理员，请另建区域管理员账号。"]})
        region = _assignable_region(actor, data["region_id"])
    if "station_ids" in data:
        if account.admin_region_id is not None:
            raise validation_failed({"station_ids": ["区域管理员账号不能改为联络站管理员，请另建联络站管理员账号。"]})
        if not data["station_ids"]:
            raise validation_failed({"station_ids": ["请至少选择一个联络站。"]})
        stations = stations_in_scope(actor, data["station_ids"])
    if "display_name" in data:
        account.display_name = data["display_name"] or account.username
    if region is not None:
        account.admin_region = region
    if stations is not None:
        account.admin_stations = stations
    if "disabled" in data:
        set_disabled(account, data["disabled"])
    db.session.flush()
    after = {"display_name": account.display_name, **_reach(account)}
    changes = {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}
    if changes:
        # Moved to another region or other stations: the administrators of both sides read it.
        record_across("account_updated", actor, _target(account), [*regions_before, *regions_of(account)], changes)
    if was_disabled != (account.disabled_dt is not None):
        record_across("account_disabled" if account.disabled_dt else "account_enabled", actor, _target(account),
                      regions_of(account))
    return account


def set_disabled(account, disabled):
    """停用 (its sessions and tokens end at once, and its WeChat link: ``hand_back``) or 启用 an account; the
    same state again changes nothing. 启用 links no WeChat again: whoever holds the account then links their own."""
    if disabled and account.disabled_dt is None:
        account.disabled_dt = utcnow()
        end_sessions(account)
        hand_back(account)
    elif not disabled and account.disabled_dt is not None:
        account.disabled_dt = None
        db.session.flush()


def hand_back(account):
    """停用 or a password reset by someone else: the account may pass to a successor, so the WeChat user its
    former holder linked (perhaps their personal WeChat) is unlinked as the account's own 解除绑定 does
    (``wechat_link.unlink``): it gets none of the account's notices any more and keeps none of those it got."""
    wechat_link.unlink(account)


def check_may_reset(actor, account):
    """403 unless ``actor`` may reset ``account``'s password: another account they manage."""
    if account.id == actor.id:
        raise APIError(403, "forbidden", "不能在这里重置自己的密码，请使用“修改密码”。")
    _managed(actor, account)


def reset_password(actor, account, password):
    """A new password for an account ``actor`` manages; its sessions and tokens end."""
    check_may_reset(actor, account)
    check_new_password(password, account.username)
    set_password(account, password, by_someone_else=True)
    hand_back(account)
    record_across("password_reset", actor, _target(account), regions_of(account))
