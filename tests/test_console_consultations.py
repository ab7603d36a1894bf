"""立法意见征集 in the console: a city administrator pastes a draft regulation, publishes it, reads the
opinions by article and by citizen or deputy (with the phones left), answers each, exports them all and
closes it; a county's administrator cannot publish one, a station administrator has nothing to do here."""
from datetime import datetime, timedelta
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from backend.audit.models import AuditEvent
from backend.consultations.models import Consultation, ConsultationOpinion
from backend.db_types import CHINA
from backend.extensions import db
from backend.notifications.models import OutboxMessage
from tests.refusals import at_fields, summary

from .factories import sent_statements
from .test_consultations import DRAFT, opinion
from .test_console_org_activities import huaihua, post, sign_in, station_admin, text, world  # noqa: F401


def local(dt):
    return dt.strftime("%Y-%m-%dT%H:%M")


def form(**extra):
    now = datetime.now(CHINA)
    return {"title": "怀化市城市绿化条例（草案）", "summary": "起草说明", "text": DRAFT,
            "starts_at": local(now - timedelta(minutes=5)), "ends_at": local(now + timedelta(days=30)), **extra}


def test_a_station_administrator_has_no_consultation_pages(station_admin):
    page = station_admin.get("/console/consultations")
    assert page.status_code == 403 and "立法意见征集由省、市人大常委会的区域管理员组织" in text(page)


def test_the_console_nav_leads_region_administrators_to_consultations(huaihua, station_admin):
    import re

    def nav(client):
        page = text(client.get("/console/"))
        return re.search(r"<nav>(.*?)</nav>", page, re.S).group(1)

    region_nav = nav(huaihua)
    assert '<a href="/console/consultations">立法意见征集</a>' in region_nav
    # Beside the other region-only lists.
    order = [region_nav.index(label) for label in ("民生实事", "立法意见征集", "调研清单", "联系清单")]
    assert order == sorted(order)
    assert "立法意见征集" not in nav(station_admin)


def test_a_consultation_from_pasted_text_to_answered_opinions(huaihua, world, factory, client):
    assert "立法意见征集" in text(huaihua.get("/console/livelihood"))  # reached beside 民生实事
    # Refused: each reason under its box, what was typed still there, nothing saved.
    bad = post(huaihua, "/console/consultations", form(text="本条例自公布之日起施行。", title=" "))
    assert bad.status_code == 422
    assert at_fields(bad) == {"title": "请填写标题。",
                              "text": "没有找到条文：请粘贴按“第一条”“第二条”……分条的草案全文，每条另起一行。"}
    assert summary(bad).startswith("有 2 处需要修改") and "草案全文" in summary(bad)
    assert "本条例自公布之日起施行。" in text(bad)
    assert db.session.scalar(select(db.func.count()).select_from(Consultation)) == 0

    created = post(huaihua, "/console/consultations", form())
    assert created.status_code == 302
    consultation = db.session.scalars(select(Consultation)).one()
    path = f"/console/consultations/{consultation.id}"
    assert created.headers["Location"].endswith(path)
    page = text(huaihua.get(path))
    assert "第一条" in page and "第三条" in page and "新建居住区绿地率不得低于百分之三十。" in page
    # The draft corrected: the pasted text again.
    edited = post(huaihua, f"{path}/edit", form(text="第一条 甲。\n第二条 乙。\n第三条 丙。\n第四条 丁。"), page=path)
    assert edited.status_code == 302
    assert "草案共 4 条" in text(huaihua.get(path))
    bad_edit = post(huaihua, f"{path}/edit", form(ends_at=local(datetime.now(CHINA) - timedelta(days=1))), page=path)
    assert bad_edit.status_code == 422 and at_fields(bad_edit) == {"ends_at": "征集结束时间须晚于开始时间。"}

    assert post(huaihua, f"{path}/open", {}, page=path).status_code == 302
    assert "正在接受意见" in text(huaihua.get(path))
    late_edit = post(huaihua, f"{path}/edit", form(title=""), page=path)
    assert late_edit.status_code == 302 and "意见征集已发布，不能再修改。" in text(huaihua.get(path))
    db.session.expire_all()
    articles = consultation.articles
    citizen = factory.wechat_login("citizen-liu")
    assert opinion(client, citizen, consultation.id, content="第二条的“乙”应当写清楚。", article_id=articles[1].id,
                   contact_phone="13800003333").status_code == 201
    deputy = factory.deputy_headers(world["zhang"])
    assert opinion(client, deputy, consultation.id, content="总体赞成。").status_code == 201

    page = text(huaihua.get(path))
    assert "13800003333" in page and "人大代表 张伟" in page and "收到意见 <strong>2</strong> 条" in page
    by_article = text(huaihua.get(f"{path}?article_id={articles[1].id}"))
    assert "第二条的“乙”应当写清楚。" in by_article and "总体赞成。" not in by_article
    odd = huaihua.get(f"{path}?consultation_id=9&opinion_id=x&kind=deputy")  # names like the route's own
    assert odd.status_code == 200 and "/feedback?kind=deputy" in text(odd)  # the filter kept for coming back
    assert "consultation_id=9" not in text(odd)
    deputies = text(huaihua.get(f"{path}?kind=deputy"))
    assert "总体赞成。" in deputies and "13800003333" not in deputies

    first = db.session.scalar(select(ConsultationOpinion).where(ConsultationOpinion.deputy_id.is_(None)))
    refused = post(huaihua, f"{path}/opinions/{first.id}/feedback", {"note": "谢谢"}, page=path)
    assert refused.status_code == 302 and "请选择反馈结果" in text(huaihua.get(path))
    answered = post(huaihua, f"{path}/opinions/{first.id}/feedback",
                    {"result": "partly", "note": "已在第二条中写明。"}, page=path)
    assert answered.status_code == 302
    assert "<strong>部分采纳</strong>：已在第二条中写明。" in text(huaihua.get(path))
    mine = client.get("/api/v1/consultations/my-opinions", headers=citizen).json["items"]
    assert [(o["feedback_label"], o["feedback_note"]) for o in mine] == [("部分采纳", "已在第二条中写明。")]
    # The citizen is told in WeChat (办理结果通知); the refused form told nothing.
    assert [(m.page, m.data["phrase2"], m.data["thing3"]) for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.template == "answer"))] == [
        (f"pages/consultations/detail?id={consultation.id}", "部分采纳", "已在第二条中写明。")]

    export = huaihua.get(f"{path}/export")
    assert export.status_code == 200
    book = load_workbook(BytesIO(export.data))
    rows = list(book["意见"].iter_rows(values_only=True))
    assert rows[0][:6] == ("编号", "条文", "意见", "提出人", "代表姓名", "联系电话")
    assert [(r[1], r[3], r[4], r[5], r[7]) for r in rows[1:]] == [
        ("第二条", "群众", None, "13800003333", "部分采纳"), ("总体意见", "人大代表", "张伟", None, None)]
    counts = list(book["各条意见数"].iter_rows(values_only=True))
    assert counts[1:] == [("第一条", 0), ("第二条", 1), ("第三条", 0), ("第四条", 0), ("总体意见", 1)]
    exported = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "exported")).all()
    assert [(e.detail["export"], e.detail["rows"]) for e in exported] == [("立法意见", 2)]

    assert post(huaihua, f"{path}/close", {}, page=path).status_code == 302
    closed = text(huaihua.get(path))
    assert "已结束" in closed and "结束征集</button>" not in closed
    again = post(huaihua, f"{path}/close", {}, page=path)
    assert again.status_code == 302 and "意见征集已结束。" in text(huaihua.get(path))
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.target_type == "consultation").order_by(AuditEvent.id))]
    assert actions == ["consultation_created", "consultation_updated", "consultation_opened",
                       "consultation_feedback", "exported", "consultation_closed"]



def test_the_export_reads_the_opinions_in_batches_up_to_the_cap(app, huaihua, world, factory, client, monkeypatch):  # noqa: F811
    """A draft open to a whole province can draw tens of thousands of opinions: the export read them all as
    ORM objects (with their articles) before writing a row, with no cap. It reads the columns it shows a
    batch at a time, oldest first, up to MAX_EXPORT_ROWS as the other exports."""
    from backend.console import exports
    from backend.consultations.models import OpinionKind

    assert post(huaihua, "/console/consultations", form()).status_code == 302
    consultation = db.session.scalars(select(Consultation)).one()
    path = f"/console/consultations/{consultation.id}"
    assert post(huaihua, f"{path}/open", {}, page=path).status_code == 302
    db.session.expire_all()
    articles = consultation.articles
    citizen = factory.wechat_login("citizen-liu")
    assert opinion(client, citizen, consultation.id, content="第二条应当写清楚。", article_id=articles[1].id,
                   contact_phone="13800003333").status_code == 201
    assert opinion(client, factory.deputy_headers(world["zhang"]), consultation.id, content="总体赞成。").status_code == 201
    author = db.session.scalar(select(ConsultationOpinion.author_id).where(ConsultationOpinion.deputy_id.is_(None)))
    for n in range(3):
        db.session.add(ConsultationOpinion(consultation_id=consultation.id, article_id=articles[0].id, author_id=author,
                                           kind=OpinionKind.citizen, content=f"第{n}条意见"))
    db.session.commit()

    monkeypatch.setattr(exports, "EXPORT_BATCH", 2)
    with sent_statements(app) as sent:
        export = huaihua.get(f"{path}/export")
    rows = list(load_workbook(BytesIO(export.data))["意见"].iter_rows(values_only=True))
    assert rows[0] == ("编号", "条文", "意见", "提出人", "代表姓名", "联系电话", "提出时间", "反馈", "反馈说明", "反馈时间")
    assert [r[2] for r in rows[1:]] == ["第二条应当写清楚。", "总体赞成。", "第0条意见", "第1条意见", "第2条意见"]
    assert rows[1][1:6] == ("第二条", "第二条应当写清楚。", "群众", None, "13800003333")
    assert rows[2][1:5] == ("总体意见", "总体赞成。", "人大代表", "张伟") and rows[3][1] == "第一条"
    assert [r[0] for r in rows[1:]] == sorted(r[0] for r in rows[1:])  # oldest first, across three batches
    reads = [s for s in sent if "FROM consultation_opinions" in s and "count(" not in s]
    assert len(reads) == 3 and not any("consultation_opinions.author_id" in s for s in reads)
    assert load_workbook(BytesIO(export.data)).sheetnames == ["意见", "各条意见数"]  # all of them: no notice

    monkeypatch.setattr(exports, "MAX_EXPORT_ROWS", 3)  # capped as the other exports, across batches
    book = load_workbook(BytesIO(huaihua.get(f"{path}/export").data))
    assert [r[2] for r in list(book["意见"].iter_rows(values_only=True))[1:]] == ["第二条应当写清楚。", "总体赞成。", "第0条意见"]
    assert book.sheetnames == ["导出说明", "意见", "各条意见数"]
    assert book["导出说明"]["A1"].value == "“意见”表仅含前 3 行（共 5 行），请缩小筛选范围后分别导出。"
    assert list(book["各条意见数"].iter_rows(values_only=True))[1:3] == [("第一条", 3), ("第二条", 1)]  # still every opinion
    exported = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "exported")).all()
    assert [(e.detail["rows"], e.detail.get("capped"), e.detail.get("matched")) for e in exported] == [
        (5, None, None), (3, True, 5)]


def test_another_citys_consultation_is_not_found_and_a_county_cannot_publish(app, huaihua, world, factory):
    tree = world["tree"]
    factory.admin("changsha", region=tree["cs"])
    changsha = sign_in(app, "changsha")
    assert post(changsha, "/console/consultations", form()).status_code == 302
    theirs = db.session.scalars(select(Consultation)).one()
    page = huaihua.get(f"/console/consultations/{theirs.id}")
    assert page.status_code == 404 and "意见征集不存在" in text(page)
    assert huaihua.get(f"/console/consultations/{theirs.id}/export").status_code == 404
    factory.admin("hecheng", region=tree["hc"])
    county = sign_in(app, "hecheng")
    assert "您所管的区域不能发布立法意见征集" in text(county.get("/console/consultations"))
    refused = post(county, "/console/consultations", form())
    assert refused.status_code == 302
    flashed = '<p class="flash flash-error" role="status">地方性法规由省和设区的市的人大及其常委会制定；您所管的区域不能发布立法意见征集。</p>'
    assert flashed in text(county.get(refused.headers["Location"]))
    assert db.session.scalar(select(db.func.count()).select_from(Consultation)) == 1


def test_the_console_says_the_window_is_over_before_the_sweep_closes_it(huaihua):
    from sqlalchemy import update
    assert post(huaihua, "/console/consultations", form()).status_code == 302
    consultation = db.session.scalars(select(Consultation)).one()
    path = f"/console/consultations/{consultation.id}"
    assert post(huaihua, f"{path}/open", {}, page=path).status_code == 302
    db.session.execute(update(Consultation).where(Consultation.id == consultation.id).values(
        ends_dt=datetime.now(CHINA) - timedelta(seconds=1)))
    db.session.commit()
    page = text(huaihua.get(path))
    assert "征集时间已过" in page and "征集尚未开始" not in page and "正在接受意见" not in page


def _statuses(page):
    """(title, 状态) of each row of the console's list of consultations."""
    import re
    body = page.split('<table class="list" id="consultations">', 1)[1].split("</table>", 1)[0]
    return [(re.sub(r"<[^>]+>", "", cells[0]).strip(), cells[3].strip())
            for cells in (re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S))
            if len(cells) == 5]


def test_the_list_says_ended_once_the_window_is_over_before_the_sweep_closes_it(huaihua):
    """The list labels each consultation by its phase, as the API and the consultation's own page do: one
    whose end time has passed reads 已结束 though the sweep has not closed it yet."""
    from sqlalchemy import update
    now = datetime.now(CHINA)
    for title, starts in (("已过期的条例（草案）", now - timedelta(minutes=5)), ("正在征集的条例（草案）", now - timedelta(minutes=5)),
                          ("将要征集的条例（草案）", now + timedelta(days=1)), ("草稿条例（草案）", now - timedelta(minutes=5))):
        assert post(huaihua, "/console/consultations", form(title=title, starts_at=local(starts))).status_code == 302
        consultation = db.session.scalars(select(Consultation).order_by(Consultation.id.desc())).first()
        path = f"/console/consultations/{consultation.id}"
        if title != "草稿条例（草案）":
            assert post(huaihua, f"{path}/open", {}, page=path).status_code == 302
        if title == "已过期的条例（草案）":
            db.session.execute(update(Consultation).where(Consultation.id == consultation.id).values(
                ends_dt=now - timedelta(seconds=1)))
            db.session.commit()
            assert "已结束" in text(huaihua.get(path)).split("</h1>", 1)[0]  # its own page's heading too
    assert _statuses(text(huaihua.get("/console/consultations"))) == [
        ("草稿条例（草案）", "草稿"), ("将要征集的条例（草案）", "尚未开始"),
        ("正在征集的条例（草案）", "正在征求意见"), ("已过期的条例（草案）", "已结束")]


def test_a_draft_pasted_with_its_explanation_is_cut_before_it_and_the_console_says_so(huaihua, world):  # noqa: F811
    from .test_consultations import WITH_EXPLANATION

    created = post(huaihua, "/console/consultations", form(text=WITH_EXPLANATION))
    assert created.status_code == 302
    page = text(huaihua.get(created.headers["Location"]))
    assert "草案共 2 条" in page
    assert "第4行“关于《怀化市城市绿化条例（草案）》的说明”起的文字不是条文（草案的说明等），未收入。" in page
    assert "市司法局局长" not in page


def test_what_was_left_out_stays_on_the_drafts_page_for_the_review(huaihua, world):  # noqa: F811
    """Not only the flash after saving: the draft's page says it on every later visit, and a save of the
    form (which sends the articles back as they are) keeps it; a text cut again without it clears it."""
    from .test_consultations import WITH_SIGNATURE

    note = "第5行“怀化市人民代表大会常务委员会”起的文字不是条文（落款、日期），未收入。"
    created = post(huaihua, "/console/consultations", form(text=WITH_SIGNATURE))
    path = created.headers["Location"]
    text(huaihua.get(path))  # the flash read once
    page = huaihua.get(path).get_data(as_text=True)
    notice = page.split('id="text-left-out"', 1)[1].split("</p>", 1)[0]
    assert note in notice and "请核对条文" in notice
    shown = "第一条　为了促进城市绿化，制定本条例。\n第二条　本条例自公布之日起施行。"  # the edit form's text
    assert shown in page
    saved = post(huaihua, f"{path}/edit", form(text=shown, title="改过的标题"), page=path)
    assert saved.status_code == 302
    text(huaihua.get(path))
    assert note in text(huaihua.get(path))
    post(huaihua, f"{path}/edit", form(text="第一条　甲。\n第二条　乙。"), page=path)
    text(huaihua.get(path))
    assert 'id="text-left-out"' not in huaihua.get(path).get_data(as_text=True)
