"""ranking snapshot: the stored ranking of a call per score ranked by, and the fingerprint of its inputs

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 12:08:15.687339

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ranking_snapshots',
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('rank_by', sa.String(length=10), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('built_at', sa.DateTime(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('reviewers', sa.JSON(), nullable=False),
    sa.CheckConstraint("rank_by IN ('raw', 'calibrated')", name=op.f('ck_ranking_snapshots_rank_by_known')),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_ranking_snapshots_call_id_calls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('call_id', 'rank_by', name=op.f('pk_ranking_snapshots'))
    )
    op.create_table('ranking_entries',
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('rank_by', sa.String(length=10), nullable=False),
    sa.Column('rank', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('submitted_reviews', sa.Integer(), nullable=False),
    sa.Column('mean', sa.Float(), nullable=True),
    sa.Column('calibrated_mean', sa.Float(), nullable=True),
    sa.Column('median', sa.Float(), nullable=True),
    sa.Column('minimum', sa.Float(), nullable=True),
    sa.Column('maximum', sa.Float(), nullable=True),
    sa.Column('sd', sa.Float(), nullable=True),
    sa.Column('se', sa.Float(), nullable=True),
    sa.Column('criterion_means', sa.JSON(), nullable=False),
    sa.Column('failed_criteria', sa.JSON(), nullable=False),
    sa.Column('split_criteria', sa.JSON(), nullable=False),
    sa.Column('disagreement', sa.Boolean(), nullable=False),
    sa.Column('outliers', sa.JSON(), nullable=False),
    sa.Column('tie_break', sa.String(length=20), nullable=True),
    sa.Column('tie_break_criterion_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_ranking_entries_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['call_id', 'rank_by'], ['ranking_snapshots.call_id', 'ranking_snapshots.rank_by'], name=op.f('fk_ranking_entries_call_id_ranking_snapshots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('call_id', 'rank_by', 'rank', name=op.f('pk_ranking_entries')),
    sa.UniqueConstraint('call_id', 'rank_by', 'application_id', name='uq_ranking_entries_application')
    )
    with op.batch_alter_table('ranking_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ranking_entries_application_id'), ['application_id'], unique=False)

    # What the ranking's fingerprint reads on every view: counts and latest changes from the index alone.
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index('ix_applications_call_status_updated', ['call_id', 'status', 'updated_at'], unique=False)
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index('ix_reviews_call_status_updated', ['call_id', 'status', 'updated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_reviews_call_status_updated')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_call_status_updated')
    with op.batch_alter_table('ranking_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ranking_entries_application_id'))

    op.drop_table('ranking_entries')
    op.drop_table('ranking_snapshots')
