"""Every model, imported in one place so that Alembic and the app see the whole schema."""
from .activities.models import Activity, ActivityParticipant, ReportPoll, ReportPollBallot, ReportPollChoice, ReportPollDeputy  # noqa: F401
from .appointments.models import Appointment  # noqa: F401
from .auth.models import User, WeChatLinkCode  # noqa: F401
from .org.models import Deputy, Region, Station, station_admins, station_deputies  # noqa: F401
from .qr.models import QRCode  # noqa: F401
from .wechat.models import ServiceToken  # noqa: F401
from .idempotency import IdempotencyRecord  # noqa: F401
from .notifications.models import OutboxMessage  # noqa: F401
from .points.models import DeputyScore, PointCorrection, PointEntry, ScoringRule, ScoringRuleOverride  # noqa: F401
from .suggestions.models import Suggestion, SuggestionEvent, SuggestionFollower, SuggestionLateReturn, SuggestionRating  # noqa: F401
from .uploads.models import Upload  # noqa: F401
from .workdays.models import WorkCalendarDay  # noqa: F401
from .audit.models import AuditEvent  # noqa: F401
from .livelihood.models import LivelihoodBallot, LivelihoodProgress, LivelihoodProject, LivelihoodProposal, LivelihoodVote  # noqa: F401
from .consultations.models import Consultation, ConsultationArticle, ConsultationOpinion  # noqa: F401
from .liaisons.models import Liaison, LiaisonContact, LiaisonDeputy  # noqa: F401
from .research.models import ResearchReport, ResearchReportPhoto, ResearchTeam, ResearchTeamMember, ResearchTopic  # noqa: F401
