"""The stored ranking of a call: one row per ranked application per score ranked by, and a fingerprint of its inputs.

A computed copy, never a source of truth: grants.reviews.ranking rebuilds it whenever the fingerprint of what the
ranking depends on (reviews, scores, criteria, call settings) no longer matches."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class RankingSnapshot(db.Model):
    """One stored ranking of a call (raw or calibrated): what it was computed from, and its per-reviewer summary."""

    __tablename__ = "ranking_snapshots"
    __table_args__ = (sa.CheckConstraint("rank_by IN ('raw', 'calibrated')", name="rank_by_known"),)

    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    rank_by: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rows: Mapped[int] = mapped_column(default=0)
    # [{"reviewer_id", "reviews", "mean", "sd", "calibrated"}, ...]: small (one per reviewer of the call).
    reviewers: Mapped[list] = mapped_column(sa.JSON, default=list)


class RankingEntry(db.Model):
    """One application's place and figures in a stored ranking. Names are not stored: they are read live."""

    __tablename__ = "ranking_entries"
    __table_args__ = (
        sa.ForeignKeyConstraint(["call_id", "rank_by"], ["ranking_snapshots.call_id", "ranking_snapshots.rank_by"],
                                ondelete="CASCADE"),
        # One place per application: a second builder can never add a duplicate row.
        sa.UniqueConstraint("call_id", "rank_by", "application_id", name="uq_ranking_entries_application"),
    )

    call_id: Mapped[int] = mapped_column(primary_key=True)
    rank_by: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    rank: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    submitted_reviews: Mapped[int] = mapped_column(default=0)
    mean: Mapped[float | None] = mapped_column(sa.Float)
    calibrated_mean: Mapped[float | None] = mapped_column(sa.Float)
    median: Mapped[float | None] = mapped_column(sa.Float)
    minimum: Mapped[float | None] = mapped_column(sa.Float)
    maximum: Mapped[float | None] = mapped_column(sa.Float)
    sd: Mapped[float | None] = mapped_column(sa.Float)
    se: Mapped[float | None] = mapped_column(sa.Float)
    # {"<criterion id>": mean raw score or null}
    criterion_means: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    failed_criteria: Mapped[list] = mapped_column(sa.JSON, default=list)    # criterion ids
    split_criteria: Mapped[list] = mapped_column(sa.JSON, default=list)     # criterion ids
    disagreement: Mapped[bool] = mapped_column(default=False)
    outliers: Mapped[list] = mapped_column(sa.JSON, default=list)           # [[reviewer id, score], ...]
    tie_break: Mapped[str | None] = mapped_column(sa.String(20))
    # No foreign key: a criterion removed from the call changes the fingerprint, and the row is rebuilt.
    tie_break_criterion_id: Mapped[int | None]

