"""Who may see a photo attached to a research report (调研报告): the team's members (not one who left it) and
the administrators of the topic's region (``uploads.routes`` asks, for a photo on no suggestion)."""
from sqlalchemy import select

from ..auth.scope import manages_region
from ..extensions import db
from .models import ResearchReport, ResearchReportPhoto, ResearchTeamMember


def research_photo_visible(user, upload):
    if user is None:
        return False
    report = db.session.scalar(select(ResearchReport).join(ResearchReportPhoto, ResearchReportPhoto.report_id == ResearchReport.id)
                               .where(ResearchReportPhoto.upload_id == upload.id))
    if report is None:
        return False
    if manages_region(user, report.topic.region):
        return True
    return user.deputy_id is not None and db.session.scalar(select(ResearchTeamMember.id).where(
        ResearchTeamMember.team_id == report.team_id, ResearchTeamMember.deputy_id == user.deputy_id,
        ResearchTeamMember.left_dt.is_(None))) is not None
