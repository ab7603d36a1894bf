"""What the demo's people have done by the time `make run` opens: suggestions at every step of their life,
an activity closed with its points, another dispatched, a research topic offered for 揭榜, a citizen's
request to meet a deputy, the city's 民生实事项目票决 open for its deputies (群众下单 taken in and declined), and a
draft regulation of the city's open for comment (立法意见征集) with a citizen's opinion and a deputy's, and the
city's 联系清单 (a special committee and a vice-chair each keeping in touch with deputies, two contacts made),
its 培训清单 (a training held earlier this year, another coming), a 述职 meeting whose 述职测评 is closed, and
its 调研清单 (three reference topics published, one taken by a team whose report was accepted and instructed on
by the mayor, another whose report awaits review).

Everything goes through the HTTP API, as the mini-program and the console would send it, so the items
carry their real timelines, points and notifications. The requests run on a thread of their own, where
each one gets its own application context as in a server (the command's context would share ``g``).
"""
import io
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from flask import current_app
from PIL import Image, ImageDraw
from sqlalchemy import select

from .auth.models import User
from .auth.tokens import issue_token
from .db_types import CHINA
from .extensions import db
from .org.models import Deputy, Region, Station

CITIZENS = ("demo-citizen-1", "demo-citizen-2", "demo-citizen-3")
# The deputies who act in the stories, bound to WeChat users of their own. Whoever binds one of their
# phones in the mini-program (offline: phone code phone-<手机号>) takes the binding over. The first two are
# the deputies whose codes the demo's summary prints. The mini-program's end-to-end tests act as 张伟, 刘芳,
# 陈明 and 杨丽 from a clean slate: the stories leave them alone.
ACTING_DEPUTIES = ("李建国", "王秀兰", "赵强", "徐磊")


class DemoStoryError(RuntimeError):
    """A step of the demo's stories was refused: the demo data no longer fit the product's rules."""


class Caller:
    """One person's requests to the API, with their token; a refusal stops the stories."""

    def __init__(self, client, token):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def send(self, method, path, body=None, **kwargs):
        response = self.client.open(f"/api/v1{path}", method=method, json=body, headers=self.headers, **kwargs)
        if response.status_code >= 400:
            raise DemoStoryError(f"{method} {path} → {response.status_code}: {response.get_data(as_text=True)}")
        return response.json

    def post(self, path, body=None):
        return self.send("POST", path, body)

    def step(self, item, action, **body):
        return self.post(f"/suggestions/{item['id']}/{action}", body or None)


def _photo():
    """A street lamp at night, as a citizen's phone would send it (a JPEG the upload cleans)."""
    image = Image.new("RGB", (640, 480), "#1d2333")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 380, 640, 480), fill="#3b3f4a")
    draw.rectangle((300, 120, 312, 380), fill="#6b7280")
    draw.ellipse((270, 90, 342, 140), fill="#4b5563")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _tokens():
    """An API token for each person in the stories: the citizens and the acting deputies (their WeChat users
    created here) and the two administrators."""
    citizens = {f"citizen{i}": User(openid=openid) for i, openid in enumerate(CITIZENS, 1)}
    deputies = db.session.scalars(select(Deputy).where(Deputy.name.in_(ACTING_DEPUTIES))).all()
    bound = {d.name: User(openid=f"demo-deputy-{d.id}", phone=d.phone, deputy_id=d.id) for d in deputies}
    db.session.add_all([*citizens.values(), *bound.values()])
    db.session.flush()
    admins = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(("admin", "chengbei"))))}
    return {key: issue_token(user) for key, user in (citizens | bound | admins).items()}


def play():
    """Play the stories in the current app's database, whose organisation ``demo.load_demo`` built."""
    tokens = _tokens()
    stations = {s.name: s for s in db.session.scalars(select(Station))}
    deputies = {d.name: d for d in db.session.scalars(select(Deputy))}
    codes = {"城北": stations["城北街道人大代表中心联络站"].qr_code, **{name: d.qr_code for name, d in deputies.items()}}
    station_ids = {"城北": stations["城北街道人大代表中心联络站"].id, "迎丰": stations["迎丰街道人大代表之家"].id}
    deputy_ids = {name: d.id for name, d in deputies.items()}
    city_id = db.session.scalar(select(Region.id).where(Region.name == "怀化市"))
    db.session.commit()
    client = current_app.test_client()
    callers = {key: Caller(client, token) for key, token in tokens.items()}
    with ThreadPoolExecutor(1) as thread:  # outside this command's app context (see the module's note)
        thread.submit(_suggestions, callers, codes, deputy_ids).result()
        thread.submit(_activities, callers, station_ids, deputy_ids, codes).result()
        thread.submit(_livelihood, callers, city_id).result()
        thread.submit(_consultation, callers, city_id).result()
        thread.submit(_liaisons, callers, city_id, deputy_ids).result()
        thread.submit(_trainings, callers, city_id, deputy_ids).result()
        thread.submit(_report_poll, client, callers, station_ids, deputy_ids).result()
        thread.submit(_research, callers, city_id, deputy_ids).result()


def _file(caller, code, category, content, **extra):
    return caller.post("/suggestions", {"qr_code": code, "category": category, "content": content} | extra)


def _suggestions(c, codes, deputy_ids):
    wang, li, zhao = c["citizen1"], c["citizen2"], c["citizen3"]
    admin, station = c["admin"], c["chengbei"]

    # Waiting at the station for the administrator to dispatch (待分派).
    _file(wang, codes["城北"], "道路交通", "人民路与迎丰路交叉口的红绿灯行人通行时间太短，老人和孩子过马路来不及，建议延长。",
          public_consent=True, location={"lat": 27.5606, "lng": 109.9979, "address": "人民路与迎丰路交叉口"})
    _file(zhao, codes["城北"], "环境卫生", "城北农贸市场后门垃圾清运不及时，夏天气味很大，希望增加清运次数。",
          contact_phone="13900000003")
    # Dispatched, waiting for the deputy to accept (待接单).
    waiting = _file(li, codes["城北"], "教育医疗", "红星社区卫生服务站周末不开门，老人看病配药不方便，建议周末安排值班。",
                    public_consent=True)
    station.step(waiting, "dispatch", deputy_id=deputy_ids["王秀兰"], note="请王秀兰代表联系社区卫生服务站了解情况。")
    # Refused with a reason (不予受理).
    refused = _file(zhao, codes["城北"], "其他", "希望小区物业降低停车费。")
    station.step(refused, "reject", reason="属于业主与物业之间的合同事项，建议通过业主委员会协商解决。")

    # Filed to 李建国 with a photo, accepted, forwarded to the 12345 hotline (转办中).
    photo = wang.send("POST", "/uploads", data={"file": (io.BytesIO(_photo()), "路灯.jpg")},
                      content_type="multipart/form-data")
    lamp = _file(wang, codes["李建国"], "城市管理", "红星路 23 号到 45 号之间有三盏路灯坏了快一个月，晚上漆黑一片，居民出行很不安全。",
                 attachment_ids=[photo["id"]], public_consent=True, contact_phone="13900000001")
    c["李建国"].step(lamp, "accept")
    c["李建国"].step(lamp, "forward", target="hotline_12345", work_order_no="HH20261127-0153",
                   note="已通过 12345 热线人大代表通道转城市管理部门处理。")

    # Filed to 李建国: handled with the department and closed 满意, published on the station's page.
    drain = _file(li, codes["李建国"], "城市管理", "城北街道人民路 18 号附近下水道堵塞，一下雨路面就积水，行人只能绕行。",
                  public_consent=True, contact_phone="13900000002")
    c["李建国"].step(drain, "accept")
    c["李建国"].step(drain, "forward", target="department", department="鹤城区住房和城乡建设局",
                   note="请区住建局安排疏通。", work_order_no="HCZJ-2026-0412")
    c["李建国"].step(drain, "feedback", note="区住建局已于 11 月 20 日完成疏通，并更换了破损的雨水篦子。",
                   department_satisfaction="satisfied")
    c["李建国"].step(drain, "reply", content="您好，下水道已疏通、雨水篦子已更换，近几次降雨未再积水。感谢您的反映！",
                   implemented=True)
    li.step(drain, "rate", satisfaction="satisfied", comment="处理很快，谢谢李代表！")

    # Filed to 徐磊: replied, waiting for the citizen's rating (已答复).
    bus = _file(zhao, codes["徐磊"], "道路交通", "5 路公交车晚上 8 点以后就停运了，下夜班的职工回家很不方便，建议延长运营时间。")
    c["徐磊"].step(bus, "accept")
    c["徐磊"].step(bus, "reply", content="已与市公交公司沟通，5 路公交计划自下月起末班车延长至 21:30，届时将在站牌公示。",
                     implemented=False)

    # Filed to 王秀兰: closed 基本满意.
    bench = _file(wang, codes["王秀兰"], "城市管理", "红星社区小广场的健身器材有两件松动了，存在安全隐患。", public_consent=True)
    c["王秀兰"].step(bench, "accept")
    c["王秀兰"].step(bench, "progress", note="已到现场查看，联系社区安排维修。")
    c["王秀兰"].step(bench, "reply", content="社区已加固松动的器材，并在器材旁张贴了安全使用提示。", implemented=True)
    wang.step(bench, "rate", satisfaction="basically_satisfied", comment="修好了，希望以后定期检查。")

    # Filed to 赵强: the citizen was not satisfied, so it came back for a second round (二次交办), supervised.
    noise = _file(li, codes["赵强"], "环境卫生", "迎丰中路一家烧烤店每天营业到凌晨两点，油烟和噪音严重影响楼上居民休息。")
    c["赵强"].step(noise, "accept")
    c["赵强"].step(noise, "reply", content="已向街道反映，执法中队上门进行了劝导。", implemented=False)
    li.step(noise, "rate", satisfaction="dissatisfied", comment="劝导后第二天照旧，问题没有解决。")
    admin.step(noise, "supervise", note="群众不满意，请赵强代表会同街道、环保部门现场督办。")

    # Filed to 李建国: still to be accepted (待接单).
    _file(zhao, codes["李建国"], "社会保障", "想咨询一下灵活就业人员怎么参加职工养老保险，社区说不清楚。")


def _china(days, hour, minute=0):
    """``days`` from today at ``hour``:``minute`` China time, in UTC."""
    china = timezone(timedelta(hours=8))
    today = datetime.now(china).date() + timedelta(days=days)
    return datetime(today.year, today.month, today.day, hour, minute, tzinfo=china).astimezone(timezone.utc)


def _activities(c, station_ids, deputy_ids, codes):
    admin, station = c["admin"], c["chengbei"]
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)

    # A reception day that ended ten minutes ago, closed (结单) with 李建国 checked in by hand (补签) and 王秀兰
    # absent, so that the leaderboard and the archives show points. Dispatched within its check-in window (its
    # deputies are told, and may still come): one entered after that (补录) marks nobody absent.
    held = station.post("/activities", {
        "title": "城北联络站进站接待选民", "type": "reception", "station_id": station_ids["城北"],
        "starts_at": (now - timedelta(hours=3)).isoformat(), "ends_at": (now - timedelta(minutes=10)).isoformat(),
        "deputy_ids": [deputy_ids["李建国"], deputy_ids["王秀兰"]],
        "description": "听取群众对老旧小区改造的意见建议。",
    })
    station.post(f"/activities/{held['id']}/participants/{deputy_ids['李建国']}/checkin",
                 {"reason": "代表到场，手机没电无法扫码。"})
    station.post(f"/activities/{held['id']}/close", {"early": True})  # check-in still open: 王秀兰 is absent now

    # Next week: an inspection dispatched by the city's administrator; one deputy accepted, one asked leave.
    inspection = admin.post("/activities", {
        "title": "视察迎丰街道老旧小区改造工程", "type": "inspection", "station_id": station_ids["迎丰"],
        "starts_at": _china(7, 9).isoformat(), "ends_at": _china(7, 11, 30).isoformat(),
        "deputy_ids": [deputy_ids["赵强"], deputy_ids["徐磊"], deputy_ids["王秀兰"]],
        "description": "实地查看改造进度，听取居民意见。",
    })
    c["赵强"].post(f"/activities/{inspection['id']}/accept")
    c["徐磊"].post(f"/activities/{inspection['id']}/decline", {"reason": "当天参加市人大常委会专题调研。"})

    # In ten days: a research topic offered for 揭榜, three places, one already claimed by 王秀兰.
    topic = station.post("/activities", {
        "title": "老旧小区加装电梯资金分摊情况调研", "type": "research", "station_id": station_ids["城北"],
        "starts_at": _china(10, 14).isoformat(), "ends_at": _china(10, 17).isoformat(), "open_slots": 3,
        "description": "走访三个小区，了解加装电梯的资金分摊和协商情况，形成调研报告。欢迎代表揭榜参加。",
    })
    c["王秀兰"].post(f"/activities/{topic['id']}/claim")

    # In three days: a reception day at 城北, which a citizen has asked to meet 李建国 at (待确认的约见).
    reception = station.post("/activities", {
        "title": "城北联络站代表接待日", "type": "reception", "station_id": station_ids["城北"],
        "starts_at": _china(3, 9).isoformat(), "ends_at": _china(3, 11, 30).isoformat(),
        "deputy_ids": [deputy_ids["李建国"], deputy_ids["王秀兰"]],
    })
    c["李建国"].post(f"/activities/{reception['id']}/accept")
    c["citizen1"].post("/appointments", {
        "qr_code": codes["李建国"], "topic": "想当面反映小区加装电梯的资金分摊问题。", "contact_phone": "13900000001",
        "name": "王先生", "activity_id": reception["id"],
    })


def _livelihood(c, city_id):
    """怀化市's 民生实事项目票决 for next year, voting open for a week: three candidates, one of them a
    citizen's proposal (群众下单), another proposal declined; 徐磊 has voted, 张伟 and 刘芳 (whom the
    mini-program's demo binds) have not. Its electorate is the city's three deputies: while it is open the
    console shows 已投票 1 人, not who; closed once 张伟 and 刘芳 have voted too, it has a result — closed
    with fewer than three ballots (services.MIN_BALLOTS), by hand or by the sweep after the week, it is void
    (票决无效) and says so."""
    admin = c["admin"]
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    year = datetime.now(timezone(timedelta(hours=8))).year + 1
    parking = c["citizen2"].post("/livelihood/proposals", {
        "region_id": city_id, "title": "城区增设公共停车场", "content": "鹤城区老城区停车难，建议利用闲置地块增设公共停车场。",
        "contact_phone": "13900000002"})
    park = c["citizen3"].post("/livelihood/proposals", {
        "region_id": city_id, "title": "修缮迎丰公园步道", "content": "迎丰公园步道破损，老人散步不便。"})
    vote = admin.post("/livelihood/votes", {
        "region_id": city_id, "title": f"{year} 年怀化市民生实事项目票决", "year": year, "places": 2,
        "starts_at": (now - timedelta(hours=1)).isoformat(), "ends_at": (now + timedelta(days=7)).isoformat()})
    for title, department, budget in (("农村饮水安全巩固提升", "市水利局", 3200), ("老旧小区加装电梯", "市住建局", 1800)):
        admin.post(f"/livelihood/votes/{vote['id']}/projects", {
            "title": title, "department": department, "budget": budget,
            "description": f"{title}：{year} 年完成年度建设任务。"})
    admin.post(f"/livelihood/proposals/{parking['id']}/adopt", {"vote_id": vote["id"]})
    admin.post(f"/livelihood/proposals/{park['id']}/decline", {"reason": "已列入鹤城区年度城建计划，由区政府组织实施。"})
    opened = admin.post(f"/livelihood/votes/{vote['id']}/open")
    c["徐磊"].post(f"/livelihood/votes/{vote['id']}/ballot", {"choices": [
        {"project_id": p["id"], "choice": choice} for p, choice in zip(opened["projects"], ("for", "for", "abstain"))]})


GREENING_DRAFT = """怀化市城市绿化条例（草案征求意见稿）

第一章　总则
第一条　为了促进城市绿化事业发展，改善城市生态和人居环境，根据《城市绿化条例》等法律、法规，结合本市实际，制定本条例。
第二条　本条例适用于本市城市规划区内城市绿化的规划、建设、保护和管理。
第三条　市、县（市、区）人民政府应当将城市绿化纳入国民经济和社会发展规划，所需经费列入本级财政预算。

第二章　规划与建设
第四条　新建居住区绿地率不得低于百分之三十，旧城改造区绿地率不得低于百分之二十五。
第五条　任何单位和个人不得擅自占用城市绿地；确需临时占用的，应当经城市绿化主管部门同意，并限期归还、恢复原状。
"""


def _consultation(c, city_id):
    """怀化市人大常委会's draft 城市绿化条例 open for comment for a month, read from 城北's code: a citizen's
    opinion on 第四条 (with a phone, for the staff) and 徐磊's on the whole draft, both awaiting feedback."""
    admin = c["admin"]
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    draft = admin.post("/consultations", {
        "region_id": city_id, "title": "怀化市城市绿化条例（草案）",
        "summary": "为加强城市绿化管理、改善人居环境，市人大常委会法制工作委员会起草了本条例草案，现向社会公开征求意见。",
        "text": GREENING_DRAFT, "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=30)).isoformat()})
    opened = admin.post(f"/consultations/{draft['id']}/open")
    fourth = next(a for a in opened["articles"] if a["number"] == "第四条")
    c["citizen1"].post(f"/consultations/{draft['id']}/opinions", {
        "article_id": fourth["id"], "content": "建议明确老旧小区改造中的绿地率要求，并规定绿化养护责任主体。",
        "contact_phone": "13900000001"})
    c["徐磊"].post(f"/consultations/{draft['id']}/opinions", {
        "content": "建议增加公众参与城市绿化监督的条款，鼓励市民认建认养绿地。"})


def _liaisons(c, city_id, deputy_ids):
    """怀化市人大常委会's 联系清单: its 教科文卫委员会 keeps in touch with three of the city's deputies (本级: 市人大代表)
    and has visited 徐磊 (who raised an opinion) and called 张伟; a vice-chair keeps in touch with two, not
    contacted yet this year."""
    admin = c["admin"]
    committee = admin.post("/liaisons", {"region_id": city_id, "name": "教育科学文化卫生委员会", "kind": "committee",
                                         "title": "市人大专门委员会"})
    member = admin.post("/liaisons", {"region_id": city_id, "name": "刘建国", "kind": "member",
                                      "title": "市人大常委会副主任"})
    admin.post(f"/liaisons/{committee['id']}/deputies",
               {"deputy_ids": [deputy_ids[name] for name in ("徐磊", "张伟", "刘芳")]})
    admin.post(f"/liaisons/{member['id']}/deputies", {"deputy_ids": [deputy_ids[name] for name in ("刘芳", "徐磊")]})
    today = datetime.now(CHINA).date()
    admin.post(f"/liaisons/{committee['id']}/contacts", {
        "deputy_id": deputy_ids["徐磊"], "date": today.isoformat(), "way": "visit",
        "summary": "走访徐磊代表，了解市第一人民医院儿科门诊和乡镇卫生院医生配备情况。",
        "opinions": "建议为乡镇卫生院定向培养全科医生，并提高山区医生补贴。"})
    admin.post(f"/liaisons/{committee['id']}/contacts", {
        "deputy_id": deputy_ids["张伟"], "date": today.isoformat(), "way": "phone",
        "summary": "电话联系张伟代表，通报委员会下半年执法检查安排，听取意见。"})


def _research(c, city_id, deputy_ids):
    """怀化市人大常委会's 调研清单 (揭榜式调研): three reference topics published; 李建国 (received at 城北's station)
    and 王秀兰 took the one on 城市更新, their report was accepted and the mayor instructed on it (批示); 徐磊 and
    赵强 took the one on 乡村振兴 and their report waits for review; the one on 数字经济 is still open."""
    admin = c["admin"]
    year = datetime.now(CHINA).year
    due = (datetime.now(CHINA).date() + timedelta(days=90)).isoformat()
    topics = {}
    for theme, title, description, max_teams in (
        ("数字经济", "数字经济赋能中小企业转型调研", "了解中小企业上云用数的难点，提出扶持政策建议。", 3),
        ("城市更新", "老旧小区改造与加装电梯调研", "走访城区老旧小区，了解改造进度、加装电梯和物业管理中的问题。", 2),
        ("乡村振兴", "乡村振兴示范片区建设调研", "调研示范片区产业、人才和基础设施建设情况。", 2),
    ):
        topic = admin.post("/research/topics", {"region_id": city_id, "year": year, "title": title, "theme": theme,
                                                "description": description, "due_date": due, "max_teams": max_teams})
        topics[theme] = admin.post(f"/research/topics/{topic['id']}/publish")
    renewal = c["李建国"].post(f"/research/topics/{topics['城市更新']['id']}/teams",
                             {"member_deputy_ids": [deputy_ids["王秀兰"]], "group_name": "城区调研组"})
    report = c["李建国"].post(f"/research/teams/{renewal['id']}/report", {
        "title": "关于我市老旧小区改造和加装电梯的调研报告",
        "body": "一、基本情况：城区 2000 年前建成的老旧小区 126 个，已改造 58 个。\n"
                "二、存在问题：加装电梯协调难、改造后缺少长效管理。\n"
                "三、建议：建立加装电梯协商议事机制，改造与物业管理同步推进。"})
    admin.post(f"/research/reports/{report['id']}/accept")
    admin.post(f"/research/reports/{report['id']}/instruction", {
        "instructed_by": "市长", "date": datetime.now(CHINA).date().isoformat(),
        "text": "报告提出的问题很实在，请市住建局会同各区研究吸收，纳入明年老旧小区改造计划。"})
    village = c["徐磊"].post(f"/research/topics/{topics['乡村振兴']['id']}/teams",
                            {"member_deputy_ids": [deputy_ids["赵强"]]})
    c["徐磊"].post(f"/research/teams/{village['id']}/report", {
        "title": "乡村振兴示范片区建设调研报告",
        "body": "示范片区特色产业初具规模，但冷链物流和电商人才短缺，建议设立片区人才专项。"})


def _trainings(c, city_id, deputy_ids):
    """怀化市's 培训清单: a training that ended twenty minutes ago (张伟, 刘芳, 黄敏 and 吴静 checked in by the
    staff from the sign-in sheet, 周涛 absent; closed), so the coverage counts four of the twelve deputies
    trained; and one in two weeks, which 点名调训 may fill with the untrained."""
    admin = c["admin"]
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    # Dispatched within its check-in window, so that 周涛, told of it, is absent (one entered after that, 补录,
    # marks nobody absent); never before this year's first day, so it counts in this year.
    starts = max(now - timedelta(hours=3, minutes=20), _china(-datetime.now(CHINA).timetuple().tm_yday + 1, 0))
    # None of them at the reception day or the 述职 meeting held over the same hours: a deputy is checked in to
    # one activity at a time.
    invited = ("张伟", "刘芳", "黄敏", "吴静", "周涛")
    held = admin.post("/activities", {
        "title": "怀化市人大代表履职能力培训班（第一期）", "type": "training", "region_id": city_id,
        "place": "怀化市人大常委会机关三楼会议室", "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(), "deputy_ids": [deputy_ids[n] for n in invited],
        "description": "学习代表法和代表履职有关规定，交流建议办理和联系群众的做法。"})
    for name in invited[:-1]:
        admin.post(f"/activities/{held['id']}/participants/{deputy_ids[name]}/checkin",
                   {"reason": "按培训签到表补录签到。"})
    admin.post(f"/activities/{held['id']}/close", {"early": True})  # check-in still open: 周涛 is absent now
    admin.post("/activities", {
        "title": "怀化市人大代表履职能力培训班（第二期）", "type": "training", "region_id": city_id,
        "place": "怀化市人大常委会机关三楼会议室", "starts_at": _china(14, 9).isoformat(),
        "ends_at": _china(14, 17).isoformat(), "deputy_ids": [deputy_ids["王秀兰"]],
        "description": "专题学习预算审查监督和民生实事项目票决制。"})


# 述职测评 ballots from the meeting's voters (phone browsers): 赵强's and 徐磊's choices, and a comment.
REPORT_BALLOTS = (
    ("satisfied", "satisfied", ""),
    ("satisfied", "basically_satisfied", ""),
    ("basically_satisfied", "satisfied", ""),
    ("satisfied", "satisfied", ""),
    ("dissatisfied", "basically_satisfied", "迎丰中路烧烤店油烟扰民的问题反映多次仍未解决，希望赵代表持续跟进。"),
)


def _report_poll(client, c, station_ids, deputy_ids):
    """A 述职 meeting at 迎丰 that ended half an hour ago: 赵强 and 徐磊 reported (checked in, closed), and five
    voters rated them by scanning the poll's code in a phone browser, one 不满意 with a comment; the poll is
    closed, so the results are final and in both deputies' 履职档案 (赵强 60% 满意, 80% 基本满意; 徐磊 60%, 100%).
    A poll is set up and opened only before its meeting ends: the meeting is dispatched as running until
    later, voted in, and its end then corrected to when it finished (the poll's end follows it)."""
    admin = c["admin"]
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    reporting = [deputy_ids["赵强"], deputy_ids["徐磊"]]
    meeting = admin.post("/activities", {
        "title": "迎丰街道人大代表向选民述职会", "type": "report", "station_id": station_ids["迎丰"],
        "starts_at": (now - timedelta(hours=2)).isoformat(), "ends_at": (now + timedelta(minutes=30)).isoformat(),
        "deputy_ids": reporting, "description": "代表报告一年来履职情况，到会选民现场测评。"})
    for deputy_id in reporting:
        admin.post(f"/activities/{meeting['id']}/participants/{deputy_id}/checkin", {"reason": "代表到会述职，现场登记签到。"})
    poll = admin.post(f"/activities/{meeting['id']}/report-poll", {})
    admin.post(f"/activities/{meeting['id']}/report-poll/open")
    for zhao, xu, comment in REPORT_BALLOTS:
        identity = client.post("/api/v1/auth/web", json={})
        if identity.status_code != 201:
            raise DemoStoryError(f"POST /auth/web → {identity.status_code}: {identity.get_data(as_text=True)}")
        Caller(client, identity.json["token"]).post(f"/report-polls/{poll['token']}/ballots", {
            "choices": [{"deputy_id": d, "choice": choice} for d, choice in zip(reporting, (zhao, xu))],
            "comment": comment})
    admin.send("PATCH", f"/activities/{meeting['id']}", {"ends_at": (now - timedelta(minutes=30)).isoformat()})
    admin.post(f"/activities/{meeting['id']}/report-poll/close")
    admin.post(f"/activities/{meeting['id']}/close")
