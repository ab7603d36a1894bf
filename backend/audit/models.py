"""操作日志: the administrators' security-relevant actions (等保 2.0 安全审计; 网络安全法: kept six months at least).

Suggestions and activities keep their own timelines (SuggestionEvent, ActivityEvent); this table is the
rest: signing in and out, passwords, accounts, stations, deputies, the roster import, the rulebook, point
corrections, exports, content review. Rows are only ever inserted (``backend.audit.record``); the one
statement that deletes them is the retention sweep (``backend.audit.purge_expired``).
"""
from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime, utcnow
from ..extensions import db

# action code → what the console shows
ACTION_LABELS = {
    "login_succeeded": "登录成功",
    "login_failed": "登录失败",
    "login_limited": "登录受限",
    "logout": "退出登录",
    "password_changed": "修改密码",
    "password_reset": "重置密码",
    "account_created": "新建管理员账号",
    "account_updated": "修改管理员账号",
    "account_disabled": "停用管理员账号",
    "account_enabled": "启用管理员账号",
    "region_created": "新建区域",
    "region_updated": "修改区域",
    "region_deleted": "删除区域",
    "station_created": "新建联络站",
    "station_updated": "修改联络站",
    "station_closed": "停用联络站",
    "station_reopened": "重新启用联络站",
    "deputy_created": "新建代表",
    "deputy_updated": "修改代表",
    "deputy_retired": "代表离任",
    "deputy_restored": "代表恢复在任",
    "deputy_unbound": "解除代表微信绑定",
    "deputy_phone_refused": "登记他人手机号被拒",
    "deputy_rebinding_allowed": "允许代表微信重新绑定",
    "deputies_imported": "导入代表名册",
    "stations_imported": "导入联络站",
    "admins_imported": "导入管理员账号",
    "qr_revoked": "停用二维码",
    "qr_reissued": "重新生成二维码",
    "rule_changed": "修改评分细则",
    "rule_withdrawn": "撤销本区域评分细则",
    "grade_bands_changed": "修改履职评价等次",
    "grade_bands_withdrawn": "撤销本区域履职评价等次",
    "points_corrected": "积分更正",
    "exported": "导出数据",
    "phone_searched": "按联系电话查找建议",
    "content_released": "内容审核放行",
    "content_rejected": "内容审核驳回",
    "public_text_edited": "修改建议公开展示内容",
    "public_withheld": "建议不予公开",
    "livelihood_vote_created": "新建民生实事票决",
    "livelihood_vote_updated": "修改民生实事票决",
    "livelihood_vote_opened": "民生实事票决开始投票",
    "livelihood_vote_withdrawn": "撤回民生实事票决",
    "livelihood_vote_closed": "民生实事票决结束投票",
    "livelihood_progress_added": "登记民生实事项目进度",
    "livelihood_progress_withdrawn": "撤回民生实事项目进度",
    "consultation_created": "新建立法意见征集",
    "consultation_updated": "修改立法意见征集",
    "consultation_opened": "发布立法意见征集",
    "consultation_closed": "结束立法意见征集",
    "consultation_feedback": "反馈立法意见",
    "liaison_created": "新增联系人",
    "liaison_updated": "修改联系人",
    "liaison_deleted": "删除联系人",
    "liaison_deputies_added": "安排联系代表",
    "liaison_deputies_removed": "取消联系代表",
    "liaison_contact_added": "登记联系记录",
    "liaison_contact_deleted": "删除联系记录",
    "report_poll_created": "新建述职测评",
    "report_poll_updated": "修改述职测评",
    "report_poll_opened": "开始述职测评",
    "report_poll_closed": "结束述职测评",
    "report_poll_tickets_issued": "生成述职测评票",
    "research_topic_created": "新建调研课题",
    "research_topic_updated": "修改调研课题",
    "research_topic_published": "发布调研课题",
    "research_topic_withdrawn": "撤回调研课题",
    "research_topic_deleted": "删除调研课题",
    "research_report_accepted": "调研报告审核通过",
    "research_report_returned": "调研报告退回修改",
    "research_report_instructed": "登记调研报告领导批示",
}

TARGET_LABELS = {"user": "管理员账号", "region": "区域", "station": "联络站", "deputy": "代表", "rule": "评分细则", "grade_bands": "履职评价等次",
                 "livelihood_vote": "民生实事票决", "consultation": "立法意见征集",
                 "liaison": "联系清单", "research_topic": "调研课题", "activity": "活动",
                 "suggestion": "建议", "export": "导出"}


class AuditEvent(db.Model):
    """One administrative or security action: when, who (as they were named then), what, on what, in
    which region (the console's scope), from which address, and a few details — never a password, and a
    phone number only masked."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_region_at", "region_id", "at"),
        Index("ix_audit_events_actor_at", "actor_user_id", "at"),
        Index("ix_audit_events_at", "at"),
        # The events done to an account (a sign-in failed under its name, a password reset): with
        # ix_audit_events_actor_at, a station administrator's 操作日志 (``listing.scope_clause``, migration 0048).
        # Few events are done to accounts, so only those are in it.
        Index("ix_audit_events_user_target_at", "target_id", "at", postgresql_where=text("target_type = 'user'"),
              sqlite_where=text("target_type = 'user'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    # None: nobody signed in (a failed sign-in, a command run on the server).
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(64), default="")
    actor_username: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(32))
    target_type: Mapped[str] = mapped_column(String(16), default="")
    target_id: Mapped[int | None] = mapped_column()
    target_label: Mapped[str] = mapped_column(String(100), default="")
    # The region the event belongs to: whose administrators read it. None: only the root's (an unknown name).
    # No foreign key: a region deleted since keeps its lines (org.models.DeletedRegion), as they were written.
    region_id: Mapped[int | None] = mapped_column()
    # None: the event's first row. An event kept under several regions (``log.record_across``) has a row
    # under each; each later row holds the depth (the root's is 0) of the deepest region above both its
    # region and an earlier row's: administrators at that depth or above read the earlier row, and only
    # those below it read this one, so that whoever reads the event reads it once (``listing.scope_clause``).
    copy_depth: Mapped[int | None] = mapped_column()
    client_address: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    @property
    def action_label(self):
        return ACTION_LABELS.get(self.action, self.action)
