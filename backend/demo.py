"""The demo data set `make run` loads the first time: a small slice of Huaihua city (怀化市)."""
import click
from sqlalchemy import select

from .auth.models import User
from .auth.services import create_admin
from .extensions import db
from .org import services
from .org.models import Deputy, Station

DEMO_ADMIN = ("admin", "admin12345")
DEMO_STATION_ADMIN = ("chengbei", "station12345")

REGIONS = [
    # (key, parent key, name, level)
    ("hn", None, "湖南省", "province"),
    ("hh", "hn", "怀化市", "city"),
    ("hc", "hh", "鹤城区", "county"),
    ("cb", "hc", "城北街道", "township"),
    ("yf", "hc", "迎丰街道", "township"),
    ("tj", "hh", "中方县", "county"),
    ("zf", "tj", "中方镇", "township"),
    ("cb1", "cb", "红星社区", "village"),
]

STATIONS = [
    # (key, region key, name, kind, address, lat, lng, hours)
    ("cb", "cb", "城北街道人大代表中心联络站", "center", "鹤城区城北街道人民路 18 号", 27.5601, 109.9985, "每月 5 日、20 日 9:00–11:30"),
    ("hx", "cb1", "红星社区代表联络点", "point", "红星社区党群服务中心二楼", 27.5650, 109.9950, "每周三 15:00–17:00"),
    ("yf", "yf", "迎丰街道人大代表之家", "home", "鹤城区迎丰中路 66 号", 27.5502, 110.0031, "每月 10 日 9:00–12:00"),
    ("zf", "zf", "中方镇人大代表联络站", "center", "中方县中方镇政府院内", 27.4370, 109.9460, "每月 15 日全天"),
]

DEPUTIES = [
    # (name, level, region key, group, phone, station keys)
    ("李建国", "national", "hn", "", "13800000001", ["cb"]),
    ("王秀兰", "provincial", "hh", "", "13800000002", ["cb", "hx"]),
    ("张伟", "city", "hc", "鹤城区第一代表小组", "13800000003", ["cb"]),
    ("刘芳", "city", "hc", "鹤城区第一代表小组", "13800000004", ["yf"]),
    ("陈明", "county", "cb", "城北代表小组", "13800000005", ["cb", "hx"]),
    ("杨丽", "county", "cb", "城北代表小组", "13800000006", ["hx"]),
    ("赵强", "county", "yf", "迎丰代表小组", "13800000007", ["yf"]),
    ("黄敏", "township", "zf", "中方镇代表小组", "13800000008", ["zf"]),
    ("周涛", "township", "zf", "中方镇代表小组", "13800000009", ["zf"]),
    ("吴静", "county", "tj", "中方县农业专业小组", "13800000010", ["zf"]),
    ("徐磊", "city", "hh", "医疗卫生专业小组", "13800000011", ["yf"]),
    ("孙娜", "township", "zf", "中方镇代表小组", "13800000012", ["zf"]),
]


def load_demo():
    regions = {}
    for key, parent, name, level in REGIONS:
        parent_id = regions[parent].id if parent else None
        regions[key] = services.create_region(None, {"name": name, "level": level, "parent_id": parent_id})
    create_admin(DEMO_ADMIN[0], DEMO_ADMIN[1], regions["hn"], display_name="系统管理员")
    station_admin = create_admin(DEMO_STATION_ADMIN[0], DEMO_STATION_ADMIN[1], None, display_name="城北联络站管理员")

    stations = {}
    for key, region, name, kind, address, lat, lng, hours in STATIONS:
        stations[key] = services.create_station(None, {
            "name": name, "kind": kind, "region_id": regions[region].id, "address": address,
            "lat": lat, "lng": lng, "open_hours": hours,
            "admin_user_ids": [station_admin.id] if key == "cb" else [],
        })
    for name, level, region, group, phone, station_keys in DEPUTIES:
        services.create_deputy(None, {
            "name": name, "level": level, "region_id": regions[region].id, "term": 17 if level != "township" else 18,
            "group": group, "phone": phone, "station_ids": [stations[k].id for k in station_keys],
        })


def print_demo_summary(base_url):
    admin = db.session.scalar(select(User).where(User.username == DEMO_ADMIN[0]))
    if admin is None:
        return
    click.echo("")
    click.echo("== 码上办 演示环境 / demo ==")
    click.echo(f"管理员登录 admin login:  {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]}   (POST {base_url}/api/v1/auth/login)")
    click.echo(f"联络站管理员 station admin: {DEMO_STATION_ADMIN[0]} / {DEMO_STATION_ADMIN[1]}")
    click.echo(f"管理后台 console: {base_url}/console/")
    click.echo(f"公开页面 public pages: {base_url}/public/stations  ·  {base_url}/public/leaderboard")
    click.echo(f"API 文档 docs: {base_url}/api/v1/docs")
    for station in db.session.scalars(select(Station).order_by(Station.id).limit(2)):
        click.echo(f"联络站码 station code  {station.name}: {base_url}/q/{station.qr_code}")
    for deputy in db.session.scalars(select(Deputy).order_by(Deputy.id).limit(3)):
        click.echo(f"代表码 deputy code    {deputy.name}: {base_url}/q/{deputy.qr_code}  (手机号 {deputy.phone})")
    click.echo("代表在小程序中绑定手机号即可获得代表身份（离线微信：手机号授权 code 为 phone-<手机号>）。")
    click.echo("")
