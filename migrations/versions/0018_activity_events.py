"""activity_events: an activity's record (台账) of who did what to it, and when

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-28 16:00:00.000000

Every step taken on an activity writes a line in the same transaction: the administrators' 发单, 修改
(改期、改地点、补充邀请、移出), 取消, 结单 and 补签, and the deputies' own 接单, 请假 and 扫码签到. A page
of the record reads ``ix_activity_events_activity`` (activity, id): the lines in the order written.

The activities held before this revision get the lines their rows still tell, marked as written from
them (据升级前的数据补记), in the order they happened: 发单 by whom and when, each deputy's latest
接单 or 请假 (with the reason), each scan, each 补签 (by whom, and why). What no row kept is not
invented: the edits, the invitations they lost, and who closed or cancelled an activity.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

ACTIONS = ('dispatched', 'edited', 'cancelled', 'closed', 'checked_in_by_hand', 'accepted', 'declined', 'checked_in')
BACKFILLED = '据升级前的数据补记'


def upgrade():
    events = op.create_table('activity_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.Enum(*ACTIONS, name='activity_event_action', native_enum=False, create_constraint=True,
                                length=32), nullable=False),
    sa.Column('actor_role', sa.String(length=16), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=100), nullable=False),
    sa.Column('deputy_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_activity_events_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_activity_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['deputy_id'], ['deputies.id'], name=op.f('fk_activity_events_deputy_id_deputies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_events'))
    )
    with op.batch_alter_table('activity_events', schema=None) as batch_op:
        batch_op.create_index('ix_activity_events_activity', ['activity_id', 'id'], unique=False)

    _lines_from_the_rows(events)


def _lines_from_the_rows(events):
    """The record's lines the activities' and participants' rows tell, inserted in one statement in
    (activity, time) order, so that each activity's lines read oldest first by id."""
    activities = sa.table('activities', sa.column('id', sa.Integer), sa.column('created_by_id', sa.Integer),
                          sa.column('created_dt', sa.DateTime(timezone=True)))
    participants = sa.table(
        'activity_participants', sa.column('activity_id', sa.Integer), sa.column('deputy_id', sa.Integer),
        sa.column('status', sa.String), sa.column('decline_reason', sa.String),
        sa.column('responded_dt', sa.DateTime(timezone=True)), sa.column('checked_in_dt', sa.DateTime(timezone=True)),
        sa.column('checkin_by_id', sa.Integer), sa.column('checkin_note', sa.String),
    )
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('username', sa.String),
                     sa.column('display_name', sa.String), sa.column('deputy_id', sa.Integer),
                     sa.column('admin_region_id', sa.Integer))
    deputies = sa.table('deputies', sa.column('id', sa.Integer), sa.column('name', sa.String))
    admin, linked = users.alias('admin'), users.alias('linked')

    def admin_role():
        return sa.case((admin.c.admin_region_id.isnot(None), 'region_admin'), else_='station_admin')

    def admin_name():
        return sa.func.coalesce(sa.func.nullif(admin.c.display_name, ''), admin.c.username, '')

    def line(action, role, user_id, name, deputy_id, note, at):
        return [sa.literal(action).label('action'), role.label('actor_role'), user_id.label('actor_user_id'),
                name.label('actor_name'), deputy_id.label('deputy_id'), note.label('note'), at.label('created_dt')]

    null_id = sa.cast(sa.null(), sa.Integer)
    dispatched = (
        sa.select(activities.c.id.label('activity_id'),
                  *line('dispatched', admin_role(), admin.c.id, admin_name(), null_id, sa.literal(BACKFILLED),
                        activities.c.created_dt))
        .select_from(activities.outerjoin(admin, admin.c.id == activities.c.created_by_id))
    )
    with_deputy = participants.join(deputies, deputies.c.id == participants.c.deputy_id)
    by_deputy = with_deputy.outerjoin(linked, linked.c.deputy_id == participants.c.deputy_id)
    answered = (
        sa.select(participants.c.activity_id,
                  *line('declined', sa.literal('deputy'), linked.c.id, deputies.c.name, participants.c.deputy_id,
                        sa.literal('请假理由：') + participants.c.decline_reason + '（' + BACKFILLED + '）',
                        participants.c.responded_dt))
        .select_from(by_deputy)
        .where(participants.c.responded_dt.isnot(None), participants.c.status == 'declined')
    )
    accepted = (
        sa.select(participants.c.activity_id,
                  *line('accepted', sa.literal('deputy'), linked.c.id, deputies.c.name, participants.c.deputy_id,
                        sa.literal(BACKFILLED), participants.c.responded_dt))
        .select_from(by_deputy)
        .where(participants.c.responded_dt.isnot(None), participants.c.status != 'declined')
    )
    scanned = (
        sa.select(participants.c.activity_id,
                  *line('checked_in', sa.literal('deputy'), linked.c.id, deputies.c.name, participants.c.deputy_id,
                        sa.literal(BACKFILLED), participants.c.checked_in_dt))
        .select_from(by_deputy)
        .where(participants.c.checked_in_dt.isnot(None), participants.c.checkin_by_id.is_(None))
    )
    by_hand = (
        sa.select(participants.c.activity_id,
                  *line('checked_in_by_hand', admin_role(), admin.c.id, admin_name(), participants.c.deputy_id,
                        sa.literal('为') + deputies.c.name + '补签，原因：' + participants.c.checkin_note
                        + '（' + BACKFILLED + '）', participants.c.checked_in_dt))
        .select_from(with_deputy.join(admin, admin.c.id == participants.c.checkin_by_id))
        .where(participants.c.checked_in_dt.isnot(None))
    )
    lines = sa.union_all(dispatched, answered, accepted, scanned, by_hand).subquery()
    columns = ['activity_id', 'action', 'actor_role', 'actor_user_id', 'actor_name', 'deputy_id', 'note', 'created_dt']
    op.get_bind().execute(events.insert().from_select(
        columns,
        sa.select(*(lines.c[name] for name in columns))
        # 发单 first, then by time; a response and a scan at one instant in the order they happen
        .order_by(lines.c.activity_id, lines.c.action != 'dispatched', lines.c.created_dt,
                  lines.c.action == 'checked_in', lines.c.deputy_id),
    ))


def downgrade():
    with op.batch_alter_table('activity_events', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_events_activity')

    op.drop_table('activity_events')
