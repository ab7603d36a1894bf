"""Who may see a photo attached to a research report (调研报告): the team's members (not one who left it, nor
one who left office) and the administrators of the topic's region (``uploads.routes`` asks, for a photo on no
suggestion); and who holds it: the WeChat account the team's lead is bound to (``hand_report_photos``)."""
from sqlalchemy import select, update

from ..auth.scope import manages_region
from ..extensions import db
from ..uploads.models import Upload
from .models import ResearchReport, ResearchReportPhoto, ResearchTeam, ResearchTeamMember


def on_a_report(upload):
    return db.session.scalar(select(ResearchReportPhoto.id).where(ResearchReportPhoto.upload_id == upload.id)) is not None


def research_photo_visible(user, upload):
    if user is None:
        return False
    report = db.session.scalar(select(ResearchReport).join(ResearchReportPhoto, ResearchReportPhoto.report_id == ResearchReport.id)
                               .where(ResearchReportPhoto.upload_id == upload.id))
    if report is None:
        return False
    if manages_region(user, report.topic.region):
        return True
    return "deputy" in user.roles and db.session.scalar(select(ResearchTeamMember.id).where(
        ResearchTeamMember.team_id == report.team_id, ResearchTeamMember.deputy_id == user.deputy_id,
        ResearchTeamMember.left_dt.is_(None))) is not None


def report_photos_of_lead(deputy_id):
    """SELECT of the uploads attached to the reports of the teams ``deputy_id`` leads."""
    return (select(ResearchReportPhoto.upload_id).join(ResearchReport, ResearchReport.id == ResearchReportPhoto.report_id)
            .join(ResearchTeam, ResearchTeam.id == ResearchReport.team_id).where(ResearchTeam.lead_deputy_id == deputy_id))


def hand_report_photos(deputy_id, user_id):
    """The photos on the reports of the teams ``deputy_id`` leads belong to the team's record, not to the WeChat
    account that uploaded them: they pass to ``user_id``, the account now bound as that deputy
    (``auth.services.bind_phone``), which may send them again with the report (``services._photos``). The
    account left behind no longer holds them: it does not see them as their uploader, and its 注销 leaves them."""
    db.session.execute(update(Upload).where(Upload.id.in_(report_photos_of_lead(deputy_id)), Upload.owner_id != user_id)
                       .values(owner_id=user_id).execution_options(synchronize_session=False))
